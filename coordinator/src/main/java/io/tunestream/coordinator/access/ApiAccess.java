package io.tunestream.coordinator.access;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Who may call the coordinator's API (docs/operations.md, "API access"): callers present a bearer token, each token
 * belongs to a named caller with a role, and each endpoint needs a role. Reads are open unless the coordinator is told
 * to protect them; mutations always need a token, and without a tokens file the API takes none.
 *
 * <p>The tokens file has one caller per line, {@code NAME ROLE TOKEN}, blank lines and {@code #} comments ignored: a
 * file a Kubernetes Secret can hold. Tokens are at least {@value #MIN_TOKEN_LENGTH} characters and unique.
 */
public final class ApiAccess {

    /** What a caller may do; each role may do what the roles before it may. */
    public enum Role {
        /** Read runs, sweeps, metrics and logs. */
        VIEWER,
        /** Also cancel runs. */
        SUBMITTER,
        /** Everything. */
        ADMIN;

        public boolean includes(Role needed) {
            return compareTo(needed) >= 0;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Someone the tokens file names. */
    public record Caller(String name, Role role) {
        @Override
        public String toString() {
            return name + " (" + role.id() + ")";
        }
    }

    /** Why a request was refused, with its HTTP status: 401 without a known token, 403 for too small a role. */
    public record Refusal(int status, String reason) {}

    public static final int MIN_TOKEN_LENGTH = 16;

    private final Map<String, Caller> callersByToken;
    private final boolean readsProtected;

    private ApiAccess(Map<String, Caller> callersByToken, boolean readsProtected) {
        this.callersByToken = Map.copyOf(callersByToken);
        this.readsProtected = readsProtected;
    }

    /** No tokens: reads open, every mutation refused. */
    public static ApiAccess readOnly() {
        return new ApiAccess(Map.of(), false);
    }

    /**
     * The callers of a tokens file.
     *
     * @throws IllegalArgumentException naming the file, the line and what is wrong with it
     */
    public static ApiAccess fromFile(Path file, boolean readsProtected) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the API tokens file " + file + ": " + e.getMessage(), e);
        }
        Map<String, Caller> callers = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String at = file + ", line " + (i + 1);
            String[] fields = line.split("\\s+");
            if (fields.length != 3) {
                throw new IllegalArgumentException(at + ": expected NAME ROLE TOKEN, got " + fields.length + " fields");
            }
            Role role;
            try {
                role = Role.valueOf(fields[1].toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": unknown role '" + fields[1] + "'; valid roles: viewer, submitter, admin");
            }
            if (fields[2].length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException(at + ": the token of " + fields[0] + " has " + fields[2].length()
                        + " characters; use at least " + MIN_TOKEN_LENGTH + " (for example: openssl rand -hex 24)");
            }
            if (callers.putIfAbsent(fields[2], new Caller(fields[0], role)) != null) {
                throw new IllegalArgumentException(at + ": the token of " + fields[0] + " is also "
                        + callers.get(fields[2]).name() + "'s; tokens must be unique");
            }
        }
        if (callers.isEmpty()) {
            throw new IllegalArgumentException(file + " names no caller; expected lines NAME ROLE TOKEN");
        }
        return new ApiAccess(callers, readsProtected);
    }

    /** Whether reads need a token too. */
    public boolean readsProtected() {
        return readsProtected;
    }

    /**
     * The caller an {@code Authorization} header names, if it may do what needs {@code role}; else why not. A request
     * that needs no role (an open read) passes with an empty caller.
     */
    public Result authorize(String authorization, Optional<Role> role) {
        if (role.isEmpty()) {
            return new Result(Optional.empty(), Optional.empty());
        }
        if (callersByToken.isEmpty()) {
            return refused(403, "this coordinator takes no " + role.get().id() + " calls: it has no API tokens (--api-tokens FILE)");
        }
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return refused(401, "send a token: Authorization: Bearer TOKEN (the CLI reads $TUNESTREAM_TOKEN or --token-file)");
        }
        Caller caller = callersByToken.get(authorization.substring("Bearer ".length()).strip());
        if (caller == null) {
            return refused(401, "unknown token");
        }
        if (!caller.role().includes(role.get())) {
            return refused(403, caller + " may not do this: it needs the role " + role.get().id());
        }
        return new Result(Optional.of(caller), Optional.empty());
    }

    private static Result refused(int status, String reason) {
        return new Result(Optional.empty(), Optional.of(new Refusal(status, reason)));
    }

    /** A request's caller, or its refusal. */
    public record Result(Optional<Caller> caller, Optional<Refusal> refusal) {
        public boolean allowed() {
            return refusal.isEmpty();
        }
    }
}
