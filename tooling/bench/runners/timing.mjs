// Timing helpers shared by the node runners and the Chromium page (runners/web-page.mjs):
// nothing here may import node built-ins (bundle() refuses them).

/**
 * Wraps WebAssembly.Module/Instance/compile/instantiate to account the wall time spent
 * compiling and instantiating (overlapping async calls count once: parallel compiles give
 * their wall time, not their sum). Call before anything is compiled.
 */
export function instrument() {
  const compile = { active: 0, since: 0, ms: 0 };
  const instantiate = { active: 0, since: 0, ms: 0 };
  const enter = (a) => {
    if (a.active++ === 0) a.since = performance.now();
  };
  const leave = (a) => {
    if (--a.active === 0) a.ms += performance.now() - a.since;
  };
  const W = WebAssembly;
  const ctor = (C, a) =>
    new Proxy(C, {
      construct(target, args, newTarget) {
        enter(a);
        try {
          return Reflect.construct(target, args, newTarget);
        } finally {
          leave(a);
        }
      },
    });
  const asyncCompile = W.compile;
  const asyncInstantiate = W.instantiate;
  const streaming = W.compileStreaming;
  const OriginalModule = W.Module;
  W.Module = ctor(W.Module, compile);
  W.Instance = ctor(W.Instance, instantiate);
  W.compile = (bytes) => {
    enter(compile);
    return asyncCompile.call(W, bytes).finally(() => {
      leave(compile);
    });
  };
  // Streaming compilation counts from the call: it includes waiting for the download.
  if (streaming !== undefined)
    W.compileStreaming = (source) => {
      enter(compile);
      return streaming.call(W, source).finally(() => {
        leave(compile);
      });
    };
  W.instantiate = (source, imports) => {
    const a = source instanceof OriginalModule ? instantiate : compile;
    enter(a);
    return asyncInstantiate.call(W, source, imports).finally(() => {
      leave(a);
    });
  };
  return {
    get compileMs() {
      return compile.ms;
    },
    get instantiateMs() {
      return instantiate.ms;
    },
  };
}

/** Sums the per-phase times of @dl/linker's `done` events (resolve, check, compile, instantiate, bind, init). */
export function phaseListener() {
  const ms = {};
  const onEvent = (e) => {
    if (e.type === 'done') for (const [k, v] of Object.entries(e.phases)) ms[k] = (ms[k] ?? 0) + v;
  };
  return { ms, onEvent };
}

const round = (ms) => Math.round(ms * 1000) / 1000;

/** A runner's result as reported (a JSON line, the page's result): times to the microsecond. */
export function rounded({ totalMs, compileMs, instantiateMs, checksum, phases }) {
  const line = { totalMs: round(totalMs), compileMs: round(compileMs), instantiateMs: round(instantiateMs), checksum };
  if (phases !== undefined) line.phases = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round(v)]));
  return line;
}

/**
 * One measurement: `prepare(onEvent)` sets up (untimed) and returns `{ run, check }`; `run` is
 * timed (with the compile/instantiate wall times and the linker's phases, when `onEvent` was
 * given to a linker); `check()` then gives the checksum.
 */
export async function timeRun(prepare) {
  const phases = phaseListener();
  const { run, check } = await prepare(phases.onEvent);
  const timing = instrument();
  const t0 = performance.now();
  await run();
  const totalMs = performance.now() - t0;
  return {
    totalMs,
    compileMs: timing.compileMs,
    instantiateMs: timing.instantiateMs,
    checksum: check(),
    phases: phases.ms,
  };
}
