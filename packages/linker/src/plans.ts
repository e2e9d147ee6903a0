/**
 * @packageDocumentation
 * `@dl/linker/plans`: link plans (record a link, replay it on later starts) and snapshots (a
 * linked program's memory after its constructors, restored without running them). An entry of
 * its own: most programs never use them, and every import of the main entry compiles its source.
 */
export { linkWithPlan } from './plans/link.js';
export type { PlannedLoad, PlanOptions } from './plans/link.js';
export { linkWithPlanSync } from './plans/link-sync.js';
export type { SyncPlanOptions } from './plans/link-sync.js';
export { decodePlan, encodePlan } from './plans/codec.js';
export { memoryPlanStore } from './plans/plan.js';
export type { LinkPlan, PlannedLibrary, PlannedOutcome, PlanStore, SyncPlanStore } from './plans/plan.js';
export {
  decodeSnapshot,
  encodeSnapshot,
  restoreSnapshot,
  restoreSnapshotSync,
  takeSnapshot,
} from './plans/snapshot.js';
export type { Snapshot } from './plans/snapshot.js';
