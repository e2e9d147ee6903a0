/** What the CLI needs from its host; tests pass an in-memory implementation. */
export interface CliIo {
  /** Writes to standard output (text includes its own newlines). */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** Reads a whole regular file; fails with a DlError (`DL_NOT_FOUND`, `DL_LIMIT`, `DL_IO`). */
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
  /** A bug in dl (sysexits' EX_SOFTWARE): the message is followed by a stack trace. */
  internal: 70,
  /**
   * Standard output was closed early (`dl nm big.so | head -1`): dl stops quietly with the
   * status a shell shows for a program ended by SIGPIPE (128 + 13), as `nm` itself would.
   */
  brokenPipe: 141,
} as const;
