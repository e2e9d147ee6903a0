import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FileSet, MAX_FILE_BYTES } from './files.js';
import type { FileToOpen, OpenedFile } from './protocol.js';

const fixture = async (path: string): Promise<Blob> =>
  new Blob([await readFile(new URL(`../../../../tooling/fixtures/wasm/${path}`, import.meta.url))]);

/** A blob claiming a hostile size: nothing of it is ever read. */
class HugeBlob extends Blob {
  override get size(): number {
    return 2 ** 40;
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    throw new Error('a huge file must not be read');
  }
}

const blob = (name: string, data: Blob): FileToOpen => ({ name, source: { kind: 'blob', blob: data } });

describe('FileSet', () => {
  it('describes side modules with the CLI reports, each NEEDED tree found among the opened files', async () => {
    const files = new FileSet();
    const seen: string[] = [];
    const opened = await files.open(
      [
        blob('libneed_b.so', await fixture('clang16/libneed_b.so')),
        blob('libneed_a.so', await fixture('clang16/libneed_a.so')),
      ],
      (file, done) => seen.push(`${done}:${file.name}`),
    );
    expect(seen).toEqual(['1:libneed_b.so', '2:libneed_a.so']);
    const b = opened[0]!;
    expect(b.ok).toBe(true);
    if (!b.ok) return;
    expect(b.report.needed).toEqual(['libneed_a.so']);
    expect(b.symbols.map((s) => s.name)).toContain('need_b_check');
    expect(b.ldd.tree).toContain('libneed_a.so => /libneed_a.so');
    expect(b.ldd.problems).toEqual([]);
    // Structured-cloneable: what the worker posts.
    expect(structuredClone(opened)).toEqual(opened);
  });

  it('reports a missing NEEDED library as dl ldd does', async () => {
    const files = new FileSet();
    const [c] = await files.open([blob('libneed_c.so', await fixture('clang16/libneed_c.so'))], () => undefined);
    expect(c?.ok === true && c.ldd.problems[0]).toMatch(/libneed_b\.so.*\[DL_NOT_FOUND\]$/);
  });

  it('gives bad input its DlError code and message, and refuses huge files without reading them', async () => {
    const files = new FileSet();
    const opened = await files.open(
      [
        blob('notes.txt', new Blob(['hello, not wasm'])),
        blob('truncated.so', await fixture('malformed/truncated-dylink.so')),
        blob('plain.wasm', await fixture('malformed/no-dylink.wasm')),
        blob('huge.so', new HugeBlob()),
      ],
      () => undefined,
    );
    const errors = opened.map((f: OpenedFile) => (f.ok ? 'ok' : `${f.error.code ?? f.error.name}: ${f.error.message}`));
    expect(errors[0]).toMatch(/^DL_BAD_MAGIC: notes\.txt: not a WebAssembly binary/);
    expect(errors[1]).toMatch(/^DL_TRUNCATED: truncated\.so: /);
    expect(errors[2]).toMatch(/^DL_NOT_SIDE_MODULE: plain\.wasm: not a side module/);
    expect(errors[3]).toBe(
      `DL_LIMIT: huge.so: 1,099,511,627,776 bytes is more than the playground reads (${MAX_FILE_BYTES.toLocaleString('en')} bytes at most)`,
    );
    expect(files.get('huge.so')).toBeUndefined();
    expect(files.get('notes.txt')?.length).toBe(15);
  });
});
