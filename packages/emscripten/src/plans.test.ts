// Link plans through the facade (`Module.dlOptions.plans`) on real emcc 3.1.6 output: the
// differential suite's `loadtime` program (a NEEDED library and one from Module.dynamicLibraries,
// data relocations against the main, a constructor), run in child node processes.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emsuiteExpected, emsuiteGate, emsuiteVariant, runEmsuiteMain } from '@dl/fixtures/emsuite';
import type { EmsuiteRun } from '@dl/fixtures/emsuite';
import { moduleHeadLength } from '@dl/reader';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

// Only the loadtime program's outputs are needed (pnpm fixtures builds them with the rest).
const needed = [1, 2].map((mm) => join(emsuiteVariant('loadtime', mm as 1 | 2, 'dl').dir, `main${mm}-dl.js`));
const gate = needed.every((f) => existsSync(f)) ? { mode: 'run' as const, message: '' } : emsuiteGate();
if (gate.mode === 'skip') console.warn(gate.message);

interface Outcome {
  readonly replayed: boolean;
  readonly stale?: string;
  readonly notStored?: string;
}

/** A module with a custom section `dl-test` inserted where its head ends (before the code section). */
function withCustomSection(bytes: Uint8Array): Uint8Array {
  const at = moduleHeadLength(bytes, { complete: true })!;
  const name = new TextEncoder().encode('dl-test');
  const section = [0, name.length + 2, name.length, ...name, 1];
  return new Uint8Array([...bytes.subarray(0, at), ...section, ...bytes.subarray(at)]);
}

const work = mkdtempSync(join(tmpdir(), 'dl-facade-plans-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(gate.mode === 'skip').each([1, 2] as const)('facade link plans (loadtime, MAIN_MODULE=%i)', (mm) => {
  beforeEach(() => {
    if (gate.mode === 'fail') throw new Error(gate.message);
  });

  it('a replayed program prints what a freshly linked one does; a changed library is linked afresh', async () => {
    const variant = emsuiteVariant('loadtime', mm, 'dl');
    // A copy of the program's directory, so that a library can be swapped for another build.
    const dir = join(work, `main${mm}`);
    cpSync(variant.dir, dir, { recursive: true });
    const plans = join(work, `plans${mm}`);
    const run = (withPlans: boolean): Promise<EmsuiteRun> =>
      runEmsuiteMain(
        { main: join(dir, variant.file), cwd: dir, linker: 'dl', module: variant.program.module ?? {} },
        withPlans ? { plans } : {},
      );
    const outcome = (): Outcome => JSON.parse(readFileSync(join(plans, 'preload-plan.json'), 'utf8')) as Outcome;
    const seen = (r: EmsuiteRun): unknown => ({ stdout: r.stdout, status: r.status });

    const fresh = await run(false);
    const want = emsuiteExpected('loadtime', mm);
    expect(seen(fresh)).toEqual({ stdout: want.stdout, status: want.status });

    const recorded = await run(true);
    expect(outcome()).toEqual({ replayed: false });
    expect(seen(recorded)).toEqual(seen(fresh));

    const replayed = await run(true);
    expect(outcome()).toEqual({ replayed: true });
    expect(seen(replayed)).toEqual(seen(fresh));

    // libextra.so with a custom section before its code: the same program, another head (its
    // hash no longer matches the plan's).
    writeFileSync(join(dir, 'libextra.so'), withCustomSection(readFileSync(join(variant.dir, 'libextra.so'))));
    const changed = await run(true);
    expect(outcome()).toMatchObject({ replayed: false });
    expect(outcome().stale).toMatch(/libextra\.so changed/);
    expect(seen(changed)).toEqual(seen(fresh));
    const again = await run(true);
    expect(outcome()).toEqual({ replayed: true });
    expect(seen(again)).toEqual(seen(fresh));
  });
});
