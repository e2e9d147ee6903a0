// plan: a warm relink from a link plan in a new process — read the modules and the plan file,
// then linkWithPlan replays it (parallel compilation; no discovery, metadata reads or check;
// every library's outcome verified), relocations and constructors run as in a normal link:
// node runners/plan.mjs MANIFEST PLAN_FILE.
import { readFileSync } from 'node:fs';
import { fail } from './common.mjs';
import { dl, FLAGS, warmStart } from './plan-common.mjs';

await warmStart(async (linker, sources, file) => {
  const out = await dl.linkWithPlan(linker, sources, FLAGS, { plan: readFileSync(file) });
  if (!out.replayed) fail(`the plan was not replayed: ${out.stale ?? '?'}`);
});
