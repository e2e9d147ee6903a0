import { RTLD, UndefinedSymbolsError } from '@dl/linker';
import type { Handle, Linker } from '@dl/linker';
import { linkWithPlan } from '@dl/linker/plans';
import type { PlannedLoad } from '@dl/linker/plans';
import type { EmscriptenContext } from './context.js';
import type { EmscriptenFacadeOptions } from './facade-options.js';
import { hintFor } from './hints.js';
import type { EmscriptenAbi } from './versions.js';
import { importCompatBytes, lacksCompatBytes } from './compat-bytes.js';

/** What a load-time link did with its plan (`plans` option): replayed, or recorded and why. */
export type PreloadPlan = Omit<PlannedLoad, 'handles' | 'plan'>;

/** The load-time libraries (`dynamicLibraries`), linked in one load, with a link plan when the `plans` option is given. */
export async function loadAtStart(
  linker: Linker,
  libs: readonly string[],
  plans: EmscriptenFacadeOptions['plans'],
): Promise<{ readonly handles: Handle[]; readonly plan: PreloadPlan | null }> {
  const flags = RTLD.LAZY | RTLD.GLOBAL | RTLD.NODELETE;
  if (plans === undefined) return { handles: await linker.load(libs, flags), plan: null };
  const key = plans.key ?? `preload:${libs.join(',')}`;
  const { handles, plan: _plan, ...outcome } = await linkWithPlan(linker, libs, flags, { store: plans.store, key });
  return { handles, plan: outcome };
}

/**
 * A failed load-time link that Emscripten reports as an assertion: a symbol left undefined,
 * with -sASSERTIONS, aborts with Emscripten's text first, then what to change. Returns when it
 * is not one (the caller throws the error with its hint, as Emscripten's own preload does).
 */
export function abortOnUndefined(e: unknown, ctx: EmscriptenContext, abi: EmscriptenAbi): void {
  const missing =
    e instanceof UndefinedSymbolsError
      ? e.missing.find((m) => m.module === 'GOT.mem' || m.module === 'GOT.func')
      : undefined;
  if (missing === undefined || ctx.assertions !== true || ctx.abort === undefined) return;
  const hint = hintFor(e);
  ctx.abort(`${abi.texts.undefinedSymbol(missing.name)}${hint === null ? '' : `\nto fix: ${hint}`}`);
}

/**
 * Runs `next` with the compatibility library's bytes once they are there: at once when given
 * or not needed (or when the program has no run dependencies to hold), otherwise after
 * importing them, with the program's `run()` held meanwhile (Emscripten's run dependency
 * `dlCompat`). A failed import goes to `failed`; what `next` throws is not caught (removing the
 * last run dependency starts `main`: what it throws is the program's).
 */
export function withCompatHeld(
  ctx: EmscriptenContext,
  options: EmscriptenFacadeOptions,
  given: Uint8Array | undefined,
  next: (bytes: Uint8Array | undefined) => void,
  failed: (e: unknown) => void,
): void {
  const run = ctx.runDependency;
  if (run === undefined || given !== undefined || !lacksCompatBytes(options)) {
    next(given);
    return;
  }
  run.add('dlCompat');
  void importCompatBytes().then((bytes) => {
    // `next` adds its own run dependency first: removing the last one starts the program.
    next(bytes);
    run.remove('dlCompat');
  }, failed);
}
