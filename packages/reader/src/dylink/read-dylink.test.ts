import type { DlError } from '@dl/errors';
import { concat, custom, HEADER, memInfo, section, str, subsection, uleb, vec, wasmModule } from '@dl/fixtures/writer';
import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import { isSideModule, readDylinkInfo, readDylinkPrefix } from './read-dylink.js';

const full = wasmModule(
  custom(
    'dylink.0',
    concat(
      subsection(1, memInfo(148, 4, 3, 0)),
      subsection(2, vec([str('liba.so'), str('libb.so')])),
      subsection(3, vec([concat(str('tls_var'), uleb(0x100)), concat(str('plain'), uleb(0))])),
      subsection(
        4,
        vec([
          concat(str('env'), str('missing_fn'), uleb(0x11)),
          concat(str('env'), str('strong'), uleb(0x10)),
          concat(str('env'), str('local_weak'), uleb(0x13)),
        ]),
      ),
      subsection(42, [1, 2, 3]),
      subsection(5, vec([str('$ORIGIN/lib'), str('/opt/${ORIGIN}/x')])),
    ),
  ),
  section(1, vec([])),
);

describe('readDylinkInfo', () => {
  it('reads all five subsections, derives TLS and weak sets, reports unknown ids', () => {
    const info = readDylinkInfo(full);
    expect(info).toMatchObject({
      format: 'dylink.0',
      memorySize: 148,
      memoryAlign: 4,
      tableSize: 3,
      tableAlign: 0,
      needed: ['liba.so', 'libb.so'],
      runtimePaths: ['$ORIGIN/lib', '/opt/${ORIGIN}/x'],
    });
    expect(info.exportInfo).toEqual([
      { name: 'tls_var', flags: 0x100 },
      { name: 'plain', flags: 0 },
    ]);
    expect([...info.tlsExports]).toEqual(['tls_var']);
    // 0x13 has the LOCAL binding bit too, so it is not weak; 0x10 has no binding bits.
    expect([...info.weakImports]).toEqual(['missing_fn']);
    expect(info.unknownSubsections).toHaveLength(1);
    expect(info.unknownSubsections[0]).toMatchObject({ id: 42, size: 3 });
    expect(full[info.unknownSubsections[0]!.offset]).toBe(42);
    expect(info.section?.start).toBe(8);
    expect(full[info.section!.end]).toBe(1); // the type section follows
  });

  it('accepts ArrayBuffer, other views and compiled modules alike', () => {
    const viaBuffer = readDylinkInfo(full.slice().buffer);
    const viaView = readDylinkInfo(new DataView(full.buffer, full.byteOffset, full.byteLength));
    const viaModule = readDylinkInfo(new WebAssembly.Module(full));
    for (const other of [viaBuffer, viaView]) expect(other).toEqual(readDylinkInfo(full));
    expect({ ...viaModule, section: null, unknownSubsections: [] }).toEqual({
      ...readDylinkInfo(full),
      section: null,
      unknownSubsections: [],
    });
    expect(viaModule.section).toBeNull();
  });

  it('reads the legacy flat dylink layout', () => {
    const legacy = wasmModule(custom('dylink', concat(memInfo(4096, 4, 2, 0), vec([str('libc.so')]))));
    expect(readDylinkInfo(legacy)).toMatchObject({
      format: 'dylink',
      memorySize: 4096,
      memoryAlign: 4,
      tableSize: 2,
      tableAlign: 0,
      needed: ['libc.so'],
      runtimePaths: [],
    });
    const trailing = wasmModule(custom('dylink', concat(memInfo(1, 0, 0, 0), vec([]), [0])));
    expect(outcome(() => readDylinkInfo(trailing))).toBe('DL_SIZE_MISMATCH');
  });

  it('reads nothing after the first section: its cost does not depend on the module size', () => {
    const garbageAfter = concat(
      full.subarray(0, readDylinkInfo(full).section!.end),
      new Uint8Array(1 << 20).fill(0xff),
    );
    expect(readDylinkInfo(garbageAfter).needed).toEqual(['liba.so', 'libb.so']);
  });

  it('refuses duplicate subsections with the offset of the second', () => {
    const dup = wasmModule(
      custom('dylink.0', concat(subsection(1, memInfo(1, 0, 0, 0)), subsection(1, memInfo(2, 0, 0, 0)))),
    );
    const err = (() => {
      try {
        readDylinkInfo(dup, { name: 'libdup.so' });
      } catch (e) {
        return e as DlError;
      }
      return null;
    })();
    expect(err).toMatchObject({ code: 'DL_DUPLICATE_SUBSECTION', library: 'libdup.so' });
    expect(dup[err!.offset!]).toBe(1);
    expect(err!.message).toMatch(/^libdup\.so: WASM_DYLINK_MEM_INFO appears twice/);
  });

  it('checks subsection sizes exactly in both directions', () => {
    const short = wasmModule(custom('dylink.0', concat([1], uleb(2), memInfo(1, 0, 0, 0))));
    expect(outcome(() => readDylinkInfo(short))).toBe('DL_BAD_LENGTH');
    const long = wasmModule(custom('dylink.0', subsection(1, concat(memInfo(1, 0, 0, 0), [0]))));
    expect(outcome(() => readDylinkInfo(long))).toBe('DL_SIZE_MISMATCH');
    const past = wasmModule(custom('dylink.0', concat([2], uleb(100), vec([]))));
    expect(outcome(() => readDylinkInfo(past))).toBe('DL_BAD_LENGTH');
  });

  it('says why a module is not a side module', () => {
    expect(outcome(() => readDylinkInfo(Uint8Array.from(HEADER)))).toBe('DL_NOT_SIDE_MODULE');
    expect(() => readDylinkInfo(wasmModule(section(1, vec([]))))).toThrow(/first section is the type section/);
    expect(() => readDylinkInfo(wasmModule(custom('producers', vec([]))))).toThrow(/custom section "producers"/);
    expect(() => readDylinkInfo(wasmModule(section(99, [])))).toThrow(/unknown section \(id 99\)/);
    expect(() => readDylinkInfo(new WebAssembly.Module(wasmModule()))).toThrow(/no dylink.0 or dylink/);
  });

  it('recognises non-wasm input, components and truncation', () => {
    const html = new TextEncoder().encode('<!doctype html><html>404</html>');
    expect(() => readDylinkInfo(html, { name: 'lib.so' })).toThrow(
      /^lib\.so: not a WebAssembly binary: it starts with the bytes 3c 21 64 6f, not the magic number/,
    );
    expect(outcome(() => readDylinkInfo(new Uint8Array(0)))).toBe('DL_TRUNCATED');
    expect(outcome(() => readDylinkInfo(Uint8Array.from([0, 0x61, 0x73])))).toBe('DL_TRUNCATED');
    expect(() => readDylinkInfo(Uint8Array.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]))).toThrow(/component/);
    expect(outcome(() => readDylinkInfo(Uint8Array.from([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0])))).toBe('DL_BAD_VERSION');
    expect(outcome(() => readDylinkInfo(full.subarray(0, 20)))).toBe('DL_TRUNCATED');
  });
});

describe('readDylinkPrefix', () => {
  it('asks for more bytes until the section is complete, then matches readDylinkInfo', () => {
    const end = readDylinkInfo(full).section!.end;
    const nameEnd = Buffer.from(full).indexOf('dylink.0') + 'dylink.0'.length;
    let previous = 0;
    for (let n = 0; n <= full.length; n++) {
      const result = readDylinkPrefix(full.subarray(0, n));
      if (n < end) {
        expect(result.status).toBe('need-more');
        if (result.status !== 'need-more') return;
        expect(result.needed).toBeGreaterThan(n);
        expect(result.needed).toBeLessThanOrEqual(end);
        expect(result.needed).toBeGreaterThanOrEqual(previous);
        previous = result.needed;
        // The name is confirmed as soon as its last byte has arrived.
        expect(result.nameConfirmed).toBe(n >= nameEnd);
      } else {
        expect(result).toEqual({ status: 'complete', info: readDylinkInfo(full), bytesRead: end });
      }
    }
  });

  it('knows the exact total once the section size has arrived', () => {
    const result = readDylinkPrefix(full.subarray(0, 11));
    expect(result).toMatchObject({ status: 'need-more', needed: readDylinkInfo(full).section!.end });
  });

  it('still fails fast on bad bytes in a prefix', () => {
    expect(outcome(() => readDylinkPrefix(Uint8Array.from([0x7f, 0x45])))).toBe('DL_BAD_MAGIC');
    expect(outcome(() => readDylinkPrefix(wasmModule([1, 0x05])))).toBe('DL_NOT_SIDE_MODULE');
    const otherName = wasmModule(custom('name', new Uint8Array(1000))).subarray(0, 20);
    expect(outcome(() => readDylinkPrefix(otherName))).toBe('DL_NOT_SIDE_MODULE');
  });
});

describe('isSideModule', () => {
  it('is true for dylink.0 and legacy dylink first, from a prefix or a compiled module', () => {
    expect(isSideModule(full)).toBe(true);
    const nameEnd = Buffer.from(full).indexOf('dylink.0') + 'dylink.0'.length;
    expect(isSideModule(full.subarray(0, nameEnd))).toBe(true);
    expect(isSideModule(full.subarray(0, nameEnd - 1))).toBe(false);
    expect(isSideModule(new WebAssembly.Module(full))).toBe(true);
    expect(isSideModule(wasmModule(custom('dylink', concat(memInfo(0, 0, 0, 0), vec([])))))).toBe(true);
  });

  it('is false, never throwing, for anything else', () => {
    expect(isSideModule(full.subarray(0, 12))).toBe(false);
    expect(isSideModule(wasmModule(section(1, vec([]))))).toBe(false);
    expect(isSideModule(new Uint8Array(0))).toBe(false);
    expect(isSideModule(new TextEncoder().encode('hello'))).toBe(false);
    expect(isSideModule(new WebAssembly.Module(wasmModule()))).toBe(false);
  });
});
