// Shared by the plans suite's runners (plan-record, plan, snapshot, snapshot-sync): the set's JS host linker
// (hosts.mjs), the set's sources as { name, bytes } read from disk, the flags of the
// linker suite's dl-batch (RTLD_NOW | RTLD_GLOBAL, one load), and the warm starts' timed frame.
import { existsSync, readFileSync } from 'node:fs';
import { fail, importDist, instrument, manifest, phaseListener, report } from './common.mjs';
import { checksum, hostProgram } from './hosts.mjs';

/** The linker's main entry and its plans entry (`@dl/linker/plans`: linkWithPlan, snapshots). */
export const dl = { ...(await importDist('linker')), ...(await importDist('linker', 'plans')) };
export const FLAGS = dl.RTLD.NOW | dl.RTLD.GLOBAL;

/** A fresh linker with the set's host program (made before the clock starts, like dl-batch's). */
export async function setLinker(m, onEvent) {
  const holder = {};
  holder.linker = await dl.createLinker({ program: hostProgram(m.kind, () => holder.linker), onEvent });
  return holder.linker;
}

/** The set's modules, read from disk (inside the timed region, as every runner does). */
export function readSources(m) {
  return m.modules.map(({ path, name }) => ({ name, bytes: readFileSync(path) }));
}

/** After the clock: the warm start's digest must equal the first link's (plan-record wrote it next to the plan). */
export function sameDigest(linker, file) {
  const expected = file.replace(/\.snap$/, '.plan') + '.digest';
  if (!existsSync(expected)) fail(`${expected} is missing: run plan-record first`);
  if (linker.digest() !== readFileSync(expected, 'utf8')) fail('the digest differs from the first link');
}

/**
 * One warm start (plan, snapshot, snapshot-sync): a linker made before the clock; then, timed,
 * the set's sources read and `start(linker, sources, file)` (file: the plan or snapshot named on
 * the command line); after the clock, the digest checked against the first link's and the JSON
 * line printed with the load's phases.
 */
export async function warmStart(start) {
  const m = manifest();
  const timing = instrument();
  const phases = phaseListener();
  const linker = await setLinker(m, phases.onEvent);
  const file = process.argv[3];
  const t0 = performance.now();
  await start(linker, readSources(m), file);
  const totalMs = performance.now() - t0;
  sameDigest(linker, file);
  report(
    m,
    { totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs, phases: phases.ms },
    checksum(m, linker),
  );
}
