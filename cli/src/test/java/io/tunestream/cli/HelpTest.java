package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The help a newcomer reads first: whole sentences, and mistyped commands answered briefly. */
class HelpTest {

    /** The top-level help lists each command with the first paragraph of its description: it must be a whole sentence. */
    @Test
    void theCommandListShowsWholeSentences() {
        String help = CliRun.of("--help").out();
        for (Map.Entry<String, CommandLine> command : Tunestream.commandLine().getSubcommands().entrySet()) {
            if (command.getKey().equals("help")) {
                continue; // picocli's own
            }
            String[] description = command.getValue().getCommandSpec().usageMessage().description();
            String first = description[0].strip();
            assertTrue(first.endsWith("."), command.getKey() + "'s first paragraph is cut mid-sentence: " + first);
            String lastWords = first.substring(first.lastIndexOf(' ', first.length() - 2) + 1);
            assertTrue(help.contains(lastWords), command.getKey() + ": '" + lastWords + "' missing from:\n" + help);
        }
    }

    @Test
    void aMistypedCommandLineGetsTheReasonAndWhereTheOptionsAreNotTheWholeHelp() {
        CliRun typo = CliRun.of("train", "--lrr", "1");
        assertEquals(2, typo.exitCode());
        assertEquals("error: Unknown options: '--lrr', '1'\nPossible solutions: --lr\n'tunestream train --help' lists its options",
                typo.err().strip());
        CliRun command = CliRun.of("trian");
        assertTrue(command.err().contains("Did you mean: tunestream train"), command.err());
        assertTrue(command.err().strip().lines().count() <= 3, command.err());
    }
}
