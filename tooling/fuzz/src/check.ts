import { isDlError } from '@dl/errors';
import { isSideModule, readDylinkInfo, readDylinkPrefix, readModule } from '@dl/reader';
import type { DylinkInfo, ModuleInfo } from '@dl/reader';
import type { Random } from './random.js';

/** What one input produced. */
export type Outcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'rejected'; readonly code: string }
  | { readonly kind: 'failure'; readonly reason: string };

type Attempt<T> =
  { ok: true; value: T } | { ok: false; code: string; offset: number | undefined } | { ok: false; crash: string };

function attempt<T>(fn: () => T): Attempt<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (isDlError(e)) return { ok: false, code: e.code, offset: e.offset };
    return { ok: false, crash: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) };
  }
}

function sameDylink(a: DylinkInfo, b: DylinkInfo): boolean {
  const plain = (d: DylinkInfo): string =>
    JSON.stringify({ ...d, tlsExports: [...d.tlsExports], weakImports: [...d.weakImports] });
  return plain(a) === plain(b);
}

function sameAsEngine(m: ModuleInfo, compiled: WebAssembly.Module): string | null {
  const imports = WebAssembly.Module.imports(compiled);
  const exports = WebAssembly.Module.exports(compiled);
  const ours = m.imports.map((i) => `${i.module}\u0000${i.name}\u0000${i.kind}`);
  const theirs = imports.map((i) => `${i.module}\u0000${i.name}\u0000${i.kind}`);
  if (ours.join('\n') !== theirs.join('\n')) return 'imports differ from V8';
  if (
    m.exports.map((e) => `${e.name}\u0000${e.kind}`).join('\n') !==
    exports.map((e) => `${e.name}\u0000${e.kind}`).join('\n')
  ) {
    return 'exports differ from V8';
  }
  return null;
}

/**
 * Runs every reader entry point on one input. Each must return or throw a DlError; their
 * results must agree with each other; and when V8 accepts the module (checked for inputs up
 * to `engineLimit` bytes) `readModule` must read it, with the same imports and exports —
 * except that a malformed dylink section first may be refused (V8 does not look inside it).
 */
export function check(bytes: Uint8Array<ArrayBuffer>, r: Random, engineLimit: number): Outcome {
  const info = attempt(() => readDylinkInfo(bytes));
  const mod = attempt(() => readModule(bytes));
  const side = attempt(() => isSideModule(bytes));
  const cut = r.below(bytes.length + 1);
  const prefix = attempt(() => readDylinkPrefix(bytes.subarray(0, cut)));
  const whole = attempt(() => readDylinkPrefix(bytes));
  for (const [what, a] of [
    ['readDylinkInfo', info],
    ['readModule', mod],
    ['isSideModule', side],
    ['readDylinkPrefix', prefix],
    ['readDylinkPrefix(all)', whole],
  ] as const) {
    if (!a.ok && 'crash' in a) return { kind: 'failure', reason: `${what} threw a non-DlError: ${a.crash}` };
  }
  if (side.ok && !side.value && info.ok)
    return { kind: 'failure', reason: 'readDylinkInfo succeeded but isSideModule is false' };
  if (info.ok) {
    if (!whole.ok || whole.value.status !== 'complete' || !sameDylink(whole.value.info, info.value)) {
      return { kind: 'failure', reason: 'readDylinkPrefix(all bytes) disagrees with readDylinkInfo' };
    }
    if (prefix.ok && prefix.value.status === 'complete' && !sameDylink(prefix.value.info, info.value)) {
      return { kind: 'failure', reason: 'a complete prefix read disagrees with readDylinkInfo' };
    }
    if (
      prefix.ok &&
      prefix.value.status === 'need-more' &&
      (prefix.value.needed <= cut || prefix.value.needed > info.value.section!.end)
    ) {
      return {
        kind: 'failure',
        reason: `prefix of ${cut} bytes asked for ${prefix.value.needed}, section ends at ${info.value.section!.end}`,
      };
    }
  }
  if (mod.ok && mod.value.dylink !== null && (!info.ok || !sameDylink(mod.value.dylink, info.value))) {
    return { kind: 'failure', reason: 'readModule and readDylinkInfo disagree on the dylink section' };
  }
  if (bytes.length <= engineLimit && WebAssembly.validate(bytes)) {
    if (!mod.ok) {
      // Allowed only when both readers refuse the same spot: the dylink section V8 does not parse.
      const inDylink =
        'code' in mod && !info.ok && 'code' in info && mod.code === info.code && mod.offset === info.offset;
      if (!inDylink)
        return {
          kind: 'failure',
          reason: `V8 accepts the module but readModule refused it (${'code' in mod ? mod.code : ''})`,
        };
    } else {
      const diff = sameAsEngine(mod.value, new WebAssembly.Module(bytes));
      if (diff !== null) return { kind: 'failure', reason: diff };
    }
  }
  if (mod.ok) return { kind: 'ok' };
  return { kind: 'rejected', code: 'code' in mod ? mod.code : 'unknown' };
}
