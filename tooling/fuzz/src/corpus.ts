import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath, fixtures, fixturesDir, treeSitterGrammars } from '@dl/fixtures';
import { malformedCases } from '@dl/fixtures/malformed';
import { splitSections } from '@dl/fixtures/writer';
import type { Seed } from './mutators.js';

/** Offsets of every LEB that holds a length or a count: section sizes, vector counts, dylink subsections. */
function lengthOffsets(bytes: Uint8Array, sections: ReturnType<typeof splitSections>): number[] {
  const out: number[] = [];
  for (const s of sections) {
    out.push(s.start + 1, s.payloadStart);
    if (s.name === 'dylink.0') {
      let at = s.payloadStart + 1 + 'dylink.0'.length;
      while (at < s.end) {
        out.push(at + 1, at + 2); // subsection size, then its first field (a count for NEEDED and the INFO lists)
        let size = 0;
        let shift = 0;
        let p = at + 1;
        for (;;) {
          const b = bytes[p++] ?? 0;
          size += (b & 0x7f) * 2 ** shift;
          shift += 7;
          if (!(b & 0x80) || shift > 35) break;
        }
        at = p + size;
      }
    }
  }
  return out;
}

/** Makes a fuzz seed of a well-formed module. */
export function toSeed(name: string, bytes: Uint8Array<ArrayBuffer>): Seed {
  let sections: ReturnType<typeof splitSections> = [];
  try {
    sections = splitSections(bytes);
  } catch {
    sections = [];
  }
  return {
    name,
    bytes,
    lengthOffsets: lengthOffsets(bytes, sections),
    sections: sections.map((s) => [s.start, s.end] as const),
    firstSectionEnd: sections[0]?.end ?? Math.min(bytes.length, 64),
  };
}

/**
 * The seeds: every compiled fixture and the real grammar modules no larger than `maxSize`
 * (bigger files are still read whole by the reader; they are just slow to mutate).
 */
export function loadSeeds(maxSize: number): Seed[] {
  const seeds: Seed[] = [];
  for (const f of fixtures) {
    const bytes = new Uint8Array(readFileSync(fixturePath(f)));
    if (bytes.length <= maxSize) seeds.push(toSeed(f.file, bytes));
  }
  // The malformed set too: each is one edit away from a real module, a good start for more.
  for (const c of malformedCases)
    seeds.push(toSeed(`malformed/${c.file}`, new Uint8Array(readFileSync(join(fixturesDir, 'malformed', c.file)))));
  for (const g of treeSitterGrammars()) {
    const bytes = new Uint8Array(readFileSync(g.path));
    if (bytes.length <= maxSize) seeds.push(toSeed(g.id, bytes));
  }
  return seeds;
}
