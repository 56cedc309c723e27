package dev.firstboot.device.devkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a console line into arguments the way {@code console_cli.cpp handle_input} does (devkit.md §1.3): spaces
 * separate arguments; {@code "..."} is one argument; inside an argument {@code \"} and {@code \ } lose their
 * backslash; an unterminated quote is a syntax error. The line is edited in place like the C buffer, so the odd
 * cases come out the same (a quote inside an unquoted word is literal; {@code "ab"cd} is two arguments).
 */
sealed interface ConsoleLine {
    int MAX_CMD_ARG = 4;

    record Empty() implements ConsoleLine {
    }

    record SyntaxError() implements ConsoleLine {
    }

    /**
     * @param argc  how many arguments the firmware counted: at most {@code MAX_CMD_ARG + 1}, because it stops
     *              splitting as soon as a fifth starts (whose pointer it writes past the end of {@code argv})
     * @param args  the first {@code min(argc, 4)} arguments, as ISO-8859-1 strings (one char per byte)
     */
    record Command(int argc, List<String> args) implements ConsoleLine {
        public Command {
            args = List.copyOf(args);
        }

        String name() {
            return args.get(0);
        }

        /** True when argument {@code n} (0 = command name) was given. */
        boolean has(int n) {
            return n < args.size();
        }
    }

    static ConsoleLine parse(byte[] line, int bufferSize) {
        byte[] s = new byte[line.length + 1];
        System.arraycopy(line, 0, s, 0, line.length);
        int argc = 0;
        int[] starts = new int[MAX_CMD_ARG + 1];
        boolean inArg = false;
        boolean inQuote = false;
        boolean done = false;
        int i = 0;
        do {
            byte c = s[i];
            if (c == 0) {
                if (inQuote) {
                    return new SyntaxError();
                }
                done = true;
            } else if (c == '"' || c == ' ') {
                if (i > 0 && s[i - 1] == '\\' && inArg) {
                    System.arraycopy(s, i, s, i - 1, s.length - i);
                    s[s.length - 1] = 0;
                    --i;
                } else if (c == '"') {
                    if (!inArg) {
                        inArg = true;
                        inQuote = true;
                        starts[argc++] = i + 1;
                    } else if (inQuote) {
                        inArg = false;
                        inQuote = false;
                        s[i] = 0;
                    }
                    // A quote inside an unquoted argument is kept as a character.
                } else if (!inQuote && inArg) {
                    inArg = false;
                    s[i] = 0;
                }
            } else if (!inArg) {
                inArg = true;
                starts[argc++] = i;
            }
        } while (!done && ++i < bufferSize && argc <= MAX_CMD_ARG);
        if (inQuote) {
            return new SyntaxError();
        }
        if (argc < 1) {
            return new Empty();
        }
        List<String> args = new ArrayList<>();
        for (int a = 0; a < Math.min(argc, MAX_CMD_ARG); a++) {
            int end = starts[a];
            while (s[end] != 0) {
                end++;
            }
            args.add(new String(s, starts[a], end - starts[a], StandardCharsets.ISO_8859_1));
        }
        return new Command(argc, args);
    }
}
