// Shared by the plans suite's runners (plan-record, plan, snapshot, snapshot-sync): the set's JS host linker
// (hosts.mjs), the set's sources as { name, bytes } read from disk, and the flags of the
// linker suite's dl-batch (RTLD_NOW | RTLD_GLOBAL, one load).
import { existsSync, readFileSync } from 'node:fs';
import { fail, importDist } from './common.mjs';
import { hostProgram } from './hosts.mjs';

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
