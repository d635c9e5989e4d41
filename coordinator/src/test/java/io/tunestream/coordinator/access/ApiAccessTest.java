package io.tunestream.coordinator.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokens file and what each role may do. */
class ApiAccessTest {

    private static final String ALICE = "alice-0123456789abcdef";
    private static final String VIC = "vic-0123456789abcdef00";
    private static final String ROOT = "root-0123456789abcdef0";

    @Test
    void eachRoleMayDoWhatTheRolesBeforeItMay(@TempDir Path dir) throws IOException {
        ApiAccess access = ApiAccess.fromFile(Files.writeString(dir.resolve("tokens"), String.join("\n",
                "# name role token", "alice submitter " + ALICE, "", "vic viewer " + VIC, "root admin " + ROOT)), false);
        ApiAccess.Result submitter = access.authorize("Bearer " + ALICE, Optional.of(ApiAccess.Role.SUBMITTER));
        assertTrue(submitter.allowed());
        assertEquals("alice (submitter)", submitter.caller().orElseThrow().toString());
        assertEquals(403, access.authorize("Bearer " + VIC, Optional.of(ApiAccess.Role.SUBMITTER)).refusal().orElseThrow().status());
        assertTrue(access.authorize("Bearer " + ROOT, Optional.of(ApiAccess.Role.SUBMITTER)).allowed());
        assertTrue(access.authorize("Bearer " + VIC, Optional.of(ApiAccess.Role.VIEWER)).allowed());
        assertEquals(401, access.authorize(null, Optional.of(ApiAccess.Role.VIEWER)).refusal().orElseThrow().status());
        assertEquals(401, access.authorize("Bearer not-a-token-of-anyone", Optional.of(ApiAccess.Role.VIEWER))
                .refusal().orElseThrow().status());
        assertEquals(401, access.authorize(ALICE, Optional.of(ApiAccess.Role.VIEWER)).refusal().orElseThrow().status(),
                "a token without its scheme");
        assertTrue(access.authorize(null, Optional.empty()).allowed(), "an open read needs no token");
    }

    @Test
    void withoutTokensEveryMutationIsRefusedAndReadsAreOpen() {
        ApiAccess access = ApiAccess.readOnly();
        ApiAccess.Refusal refusal = access.authorize("Bearer " + ROOT, Optional.of(ApiAccess.Role.SUBMITTER)).refusal().orElseThrow();
        assertEquals(403, refusal.status());
        assertTrue(refusal.reason().contains("--api-tokens"), refusal.reason());
        assertTrue(access.authorize(null, Optional.empty()).allowed());
    }

    @Test
    void aBadTokensFileIsRefusedNamingTheLine(@TempDir Path dir) throws IOException {
        assertRefused(dir, "alice submitter", "line 1: expected NAME ROLE TOKEN, got 2 fields");
        assertRefused(dir, "alice owner " + ALICE, "line 1: unknown role 'owner'; valid roles: viewer, submitter, admin");
        assertRefused(dir, "alice admin short", "line 1: the token of alice has 5 characters; use at least 16");
        assertRefused(dir, "alice admin " + ALICE + "\nbob viewer " + ALICE, "line 2: the token of bob is also alice's");
        assertRefused(dir, "# nobody", "names no caller");
    }

    private static void assertRefused(Path dir, String text, String expected) throws IOException {
        Path file = Files.writeString(dir.resolve("tokens"), text);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiAccess.fromFile(file, false));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
