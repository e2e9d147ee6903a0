// Browser side of the runInPage protocol: import this in an entry that bundle() turns into a page script.

declare global {
  /** What the page script reports to `runInPage` (a value or a promise of one). */
  var __dlResult: unknown;
}

/**
 * Reports `run()`'s result to `runInPage`: assigns the promise to `globalThis.__dlResult`.
 * A rejection (or a throw inside `run`) makes `runInPage` reject with that error.
 * Call it once, at the top level of the entry module.
 */
export function reportResult<T>(run: () => T | Promise<T>): void {
  globalThis.__dlResult = (async (): Promise<T> => run())();
}
