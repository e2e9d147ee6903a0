// min-link-read: min-link (least-link.mjs) that also reads each module with @dl/reader, as
// @dl's linker does (`readModule` + `classifyModuleImports`, kept per library). The gap between
// this runner and min-link is what the typed read costs the whole process (its run, the JIT's
// work on it, the collector's on what it keeps); between dl-sync and this runner, the rest of
// @dl's own work.
import { leastLink } from './least-link.mjs';

await leastLink({ read: true });
