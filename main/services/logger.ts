// Where services say what they skipped or worked around. Injected, so that
// the CLI, the server and the tests each decide where warnings go.

export interface Logger {
  warn(message: string): void;
}

/** Warnings to stderr, one line each. */
export const stderrLogger: Logger = {
  warn: (message) => { process.stderr.write(`gridrewire: warning: ${message}\n`); },
};
