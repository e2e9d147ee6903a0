import type { ByteReader } from '../bytes/byte-reader.js';
import { readConstExpr } from './const-expr.js';
import type { DataSegment } from './types.js';

/**
 * Reads one segment's header and skips its bytes. Its flags (0–2) say: 0 active in memory 0,
 * 1 passive, 2 active in an explicit memory.
 */
function readSegment(r: ByteReader): DataSegment {
  const at = r.position;
  const flags = r.u32('data segment flags');
  if (flags > 2) r.fail('DL_BAD_VALUE', `data segment flags ${flags} are not 0–2`, 'data segment', at);
  const memory = flags === 2 ? r.u32('data memory index') : 0;
  const offset = flags === 1 ? null : readConstExpr(r);
  const size = r.u32('data segment size');
  const start = r.position;
  r.skip(size, 'data segment bytes');
  return { mode: flags === 1 ? 'passive' : 'active', memory, offset, size, start };
}

/** Reads the data section's segment headers (mode, memory, offset, size), skipping their bytes. */
export function readDataSection(r: ByteReader): DataSegment[] {
  const n = r.count('data segment count', 2);
  const segments: DataSegment[] = [];
  for (let i = 0; i < n; i++) segments.push(readSegment(r));
  r.expectEnd('data section');
  return segments;
}
