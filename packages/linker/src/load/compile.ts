import { DlError, isDlError, messageOf } from '@dl/errors';
import type { FoundLibrary } from '../discover.js';
import { rememberMeta } from '../metadata.js';
import type { Pipeline } from '../ops.js';
import type { Library, LoadContext } from '../state.js';
import { now } from '../clock.js';

/** An engine's error as the load's: `DL_INSTANTIATE_FAILED` naming the library (a DlError stays itself). */
export function engineError(e: unknown, library: string, what: string): DlError {
  if (isDlError(e)) return e;
  return new DlError('DL_INSTANTIATE_FAILED', `${what}: ${messageOf(e)}`, { library, cause: e });
}

/**
 * Step 3, "compile": every new library, at once (the driver compiles them in parallel for an
 * asynchronous load); each of `libs` (in `order`'s order) gets its module. The metadata read
 * from each is remembered with its module.
 */
export function* compile(state: LoadContext, order: readonly FoundLibrary[], libs: readonly Library[]): Pipeline<void> {
  const started = now();
  const compiled = (yield { op: 'compile', sources: order.map((p) => p.source) }) as (WebAssembly.Module | Error)[];
  compiled.forEach((m, i) => {
    if (m instanceof Error) throw engineError(m, order[i]!.name, 'compilation failed');
    rememberMeta(m, order[i]!.meta);
    libs[i]!.module = m;
  });
  const ms = now() - started;
  for (const p of order) state.emit({ type: 'compile', library: p.name, bytes: p.meta.size, ms: ms / order.length });
}
