import { DlError } from '@dl/errors';

/** Upper bounds checked before anything is allocated; a library asking for more is refused. */
export interface LayoutLimits {
  /** Largest memory reservation of one library, in bytes (default: 1 GiB). */
  readonly maxMemoryBytes: number;
  /** Largest alignment, as log2 (default: 16, i.e. 64 KiB — the wasm page size). */
  readonly maxAlignLog2: number;
  /**
   * Largest table reservation of one library, in slots (default: 262,144 = 2^18: thirty times
   * the largest real module seen, pyodide's main with 8,732; a million-slot reservation cost a
   * load up to seconds).
   */
  readonly maxTableSlots: number;
}

/** The default limits. */
export const defaultLimits: LayoutLimits = Object.freeze({
  maxMemoryBytes: 2 ** 30,
  maxAlignLog2: 16,
  maxTableSlots: 2 ** 18,
});

/**
 * The largest alignment (log2) any 32-bit memory or table can honour, whatever `maxAlignLog2`
 * says: above it the arithmetic leaves the finite numbers (2^64, Infinity, NaN).
 */
export const MAX_ALIGN_LOG2 = 31;

/** Smallest alignment of a library's data: 16 bytes, as Emscripten and wasm-ld assume. */
export const MIN_DATA_ALIGN = 16;

/**
 * Checks a library's requested memory and table reservation against the limits, and the
 * memory's own maximum, before anything is allocated.
 *
 * @param request - sizes and log2 alignments, as read from `dylink.0`
 * @param limits - the limits in force
 * @param library - library name for the error
 * @param memoryMaxBytes - the most the linear memory can ever hold (from its maximum), if known
 * @throws DlError `DL_LIMIT`
 */
export function checkRequest(
  request: {
    readonly memorySize: number;
    readonly memoryAlign: number;
    readonly tableSize: number;
    readonly tableAlign: number;
  },
  limits: LayoutLimits,
  library: string,
  memoryMaxBytes: number = Infinity,
): void {
  const refuse = (detail: string): never => {
    throw new DlError('DL_LIMIT', detail, { library });
  };
  const align = (what: string, log2: number): void => {
    if (log2 > MAX_ALIGN_LOG2)
      refuse(
        `${what} alignment 2^${log2} is more than a 32-bit memory or table can honour (at most 2^${MAX_ALIGN_LOG2})`,
      );
    if (log2 > limits.maxAlignLog2)
      refuse(`${what} alignment 2^${log2} exceeds the limit 2^${limits.maxAlignLog2} (limits.maxAlignLog2)`);
  };
  align('memory', request.memoryAlign);
  align('table', request.tableAlign);
  if (2 ** request.memoryAlign > memoryMaxBytes)
    refuse(
      `memory alignment 2^${request.memoryAlign} is more than the linear memory can ever hold (${memoryMaxBytes} bytes)`,
    );
  if (request.memorySize > limits.maxMemoryBytes)
    refuse(
      `memory size ${request.memorySize} exceeds the limit of ${limits.maxMemoryBytes} bytes per library (limits.maxMemoryBytes)`,
    );
  if (request.memorySize > memoryMaxBytes)
    refuse(`memory size ${request.memorySize} exceeds what the linear memory can ever hold (${memoryMaxBytes} bytes)`);
  if (request.tableSize > limits.maxTableSlots)
    refuse(
      `table size ${request.tableSize} exceeds the limit of ${limits.maxTableSlots} slots per library (limits.maxTableSlots)`,
    );
}
