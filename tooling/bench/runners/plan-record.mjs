// plan-record (untimed preparation of the plans suite): links the set normally with
// linkWithPlan, checks it, and writes the plan (encodePlan) and a snapshot (encodeSnapshot)
// taken after the constructors ran, and the linker's digest next to the plan: node runners/plan-record.mjs MANIFEST PLAN_FILE SNAPSHOT_FILE.
import { writeFileSync } from 'node:fs';
import { fail, manifest, report } from './common.mjs';
import { checksum } from './hosts.mjs';
import { dl, FLAGS, readSources, setLinker } from './plan-common.mjs';

const [, , , planFile, snapshotFile] = process.argv;
if (planFile === undefined || snapshotFile === undefined)
  fail('usage: node runners/plan-record.mjs MANIFEST PLAN_FILE SNAPSHOT_FILE', 2);
const m = manifest();
const linker = await setLinker(m);
const t0 = performance.now();
const { plan, replayed } = await dl.linkWithPlan(linker, readSources(m), FLAGS);
const totalMs = performance.now() - t0;
if (plan === null || replayed) fail(`no plan recorded (replayed: ${replayed})`);
writeFileSync(snapshotFile, dl.encodeSnapshot(dl.takeSnapshot(linker, plan)));
writeFileSync(planFile, dl.encodePlan(plan));
// What the warm starts must reproduce exactly (they compare their digest with it).
writeFileSync(`${planFile}.digest`, linker.digest());
report(m, { totalMs }, checksum(m, linker));
