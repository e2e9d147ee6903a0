export { runWasiNode } from './run.js';
export type { RunWasiNodeOptions, WasiNodeRun } from './run.js';
