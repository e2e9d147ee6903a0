/** What the CLI needs from its host; tests pass an in-memory implementation. */
export interface CliIo {
  /** Writes to standard output (text includes its own newlines). */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** Reads a whole file; fails with a DlError (`DL_NOT_FOUND`, `DL_IO`). */
  readonly readFile: (path: string) => Promise<Uint8Array>;
}

/** Process exit codes of `dl`. */
export const exitCodes = {
  /** Everything was read. */
  ok: 0,
  /** At least one input was missing, unreadable, malformed or not a side module. */
  badInput: 1,
  /** The command line itself was wrong. */
  usage: 2,
} as const;
