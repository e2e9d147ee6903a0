/** The process's high-resolution clock in node (there from its start), when there is one. */
const hrtime = (globalThis as { process?: { hrtime?: { bigint?: () => bigint } } }).process?.hrtime?.bigint;

/**
 * Milliseconds from an arbitrary origin, for the durations a load measures (its phases and
 * events, the slices between its yields). `performance.now()`, but in node its own clock:
 * node 20 loads `perf_hooks` the first time `globalThis.performance` is read (1.4–1.9 ms,
 * which a process's first `dlopen` would pay).
 */
export const now: () => number =
  typeof hrtime === 'function' ? (): number => Number(hrtime()) / 1e6 : (): number => performance.now();
