// plan: a warm relink from a link plan in a new process — read the modules and the plan file,
// then linkWithPlan replays it (parallel compilation; no discovery, metadata reads or check;
// every library's outcome verified), relocations and constructors run as in a normal link:
// node runners/plan.mjs MANIFEST PLAN_FILE.
import { readFileSync } from 'node:fs';
import { fail, instrument, manifest, phaseListener, report } from './common.mjs';
import { checksum } from './hosts.mjs';
import { dl, FLAGS, readSources, sameDigest, setLinker } from './plan-common.mjs';

const m = manifest();
const timing = instrument();
const phases = phaseListener();
const linker = await setLinker(m, phases.onEvent);
const t0 = performance.now();
const sources = readSources(m);
const out = await dl.linkWithPlan(linker, sources, FLAGS, { plan: readFileSync(process.argv[3]) });
const totalMs = performance.now() - t0;
if (!out.replayed) fail(`the plan was not replayed: ${out.stale ?? '?'}`);
sameDigest(linker, process.argv[3]);
report(
  m,
  { totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs, phases: phases.ms },
  checksum(m, linker),
);
