import { DlError, isDlError } from '@dl/errors';
import type { DlErrorContext } from '@dl/errors';

/**
 * What a library and the program disagree on when they were built for different ABIs: threads
 * (`shared-memory`), 64-bit memory (`memory64`), or function types that differ for the same
 * symbol (`function-type`: another compiler version or settings such as `-sWASM_BIGINT`).
 */
export type AbiMismatch = 'shared-memory' | 'memory64' | 'function-type';

/**
 * `DL_INCOMPATIBLE` or `DL_SIGNATURE_MISMATCH` for a library built for another ABI than the
 * program; `mismatch` says which part, as data, so tools (like the Emscripten facade's build
 * hints) never read the message.
 */
export class AbiMismatchError extends DlError {
  static override readonly errorName: string = 'AbiMismatchError';
  readonly mismatch: AbiMismatch;

  constructor(
    code: 'DL_INCOMPATIBLE' | 'DL_SIGNATURE_MISMATCH',
    mismatch: AbiMismatch,
    detail: string,
    context: DlErrorContext = {},
  ) {
    super(code, detail, context);
    this.mismatch = mismatch;
  }
}

/** The ABI part an error is about (also for an error from another copy of this package), or null. */
export function abiMismatchOf(e: unknown): AbiMismatch | null {
  if (!isDlError(e) || !('mismatch' in e)) return null;
  const m = e.mismatch;
  return m === 'shared-memory' || m === 'memory64' || m === 'function-type' ? m : null;
}
