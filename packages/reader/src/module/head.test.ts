import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureBytes, fixtures, fixturesDir, treeSitterGrammars } from '@dl/fixtures';
import { malformedCases } from '@dl/fixtures/malformed';
import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import { moduleHeadLength, readModuleHead } from './head.js';
import { readModule } from './read-module.js';

/** What linking needs from a module, comparable between a whole read and a head read. */
function linkingView(bytes: Uint8Array, head: boolean): unknown {
  const m = head ? readModuleHead(bytes, { complete: true }) : readModule(bytes);
  if (m === null) return null;
  return {
    dylink: m.dylink,
    types: m.types,
    imports: m.imports,
    exports: m.exports,
    globals: m.globals,
    start: m.start,
    functionTypeIndices: m.functionTypeIndices,
  };
}

describe('moduleHeadLength / readModuleHead', () => {
  it.each(fixtures.map((f) => [f.file, f] as const))("%s: the head alone gives readModule's linking view", (_, f) => {
    const bytes = fixtureBytes(f);
    expect(linkingView(bytes, true)).toEqual(linkingView(bytes, false));
  });

  it('ends where the code section starts, and needs nothing after it', () => {
    for (const g of treeSitterGrammars().slice(0, 4)) {
      const bytes = new Uint8Array(readFileSync(g.path));
      const code = readModule(bytes).sections.find((s) => s.name === 'code')!;
      expect(moduleHeadLength(bytes)).toBe(code.start);
      // The head is a small part of a grammar: the parse tables are in the data section.
      expect(code.start / bytes.length).toBeLessThan(0.05);
      expect(readModuleHead(bytes.subarray(0, code.start))).toBeNull();
      expect(readModuleHead(bytes.subarray(0, code.start + 1))?.exports).toEqual(readModule(bytes).exports);
    }
  });

  it('says "more" for every prefix shorter than the head, and never throws on one', () => {
    const f = fixtures.find((x) => x.id === 'many')!;
    const bytes = fixtureBytes(f);
    const length = moduleHeadLength(bytes)!;
    for (let n = 0; n < length; n += 97) expect(moduleHeadLength(bytes.subarray(0, n))).toBeNull();
    expect(moduleHeadLength(bytes.subarray(0, length))).toBeNull(); // the code section's id not seen yet
    expect(moduleHeadLength(bytes.subarray(0, length + 1))).toBe(length);
  });

  it('never quotes more than the first 4 bytes of a file that is not wasm, and only in hex (DL_BAD_MAGIC)', () => {
    const secret = new TextEncoder().encode('root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n\u001b]0;owned\u0007');
    let message = '';
    try {
      moduleHeadLength(secret, { name: 'libx.so', complete: true });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(outcome(() => moduleHeadLength(secret, { complete: true }))).toBe('DL_BAD_MAGIC');
    expect(message).toContain('it starts with the bytes 72 6f 6f 74, not the magic number 00 61 73 6d');
    expect(message).not.toMatch(/root|salt|hash|\u001b/);
    expect(outcome(() => moduleHeadLength(Uint8Array.from([0x7f]), { complete: true }))).toBe('DL_BAD_MAGIC');
  });

  it('refuses an HTML page from its first bytes', () => {
    const page = new TextEncoder().encode('<!DOCTYPE html><html><body>404 Not Found');
    expect(outcome(() => moduleHeadLength(page.subarray(0, 4)))).toBe('DL_BAD_MAGIC');
  });

  it.each(malformedCases.map((c) => [c.file, c] as const))(
    'malformed %s: the error readModule gives, or none when the defect is past the head',
    (_, c) => {
      const bytes = readFileSync(join(fixturesDir, 'malformed', c.file));
      expect([c.module, 'ok']).toContain(outcome(() => readModuleHead(bytes, { complete: true })));
    },
  );

  it('refuses sections out of order before reading on', () => {
    const bytes = readFileSync(join(fixturesDir, 'malformed', 'section-order.so'));
    expect(outcome(() => moduleHeadLength(bytes))).toBe('DL_SECTION_ORDER');
  });

  it('with complete, a truncated module is an error rather than "more"', () => {
    const bytes = fixtureBytes(fixtures.find((x) => x.id === 'many')!);
    const cut = bytes.subarray(0, 300);
    expect(moduleHeadLength(cut)).toBeNull();
    expect(outcome(() => moduleHeadLength(cut, { complete: true }))).toBe('DL_TRUNCATED');
  });
});
