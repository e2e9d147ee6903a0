import type { ByteReader } from '../bytes/byte-reader.js';
import { readConstExpr } from './const-expr.js';
import { functionCount } from './entities.js';
import type { IndexSpaces } from './entities.js';
import { readValueType } from './types-section.js';
import type { ElementSegment } from './types.js';

/** Reads one element: a function index, or a constant expression (`ref.func i`, `ref.null`: −1; anything else: −2). */
function readElement(r: ByteReader, expressions: boolean, functions: number): number {
  if (!expressions) {
    const at = r.position;
    const index = r.u32('element function index');
    if (index >= functions)
      r.fail('DL_BAD_INDEX', `element function ${index} is out of range (${functions} functions)`, 'element', at);
    return index;
  }
  const at = r.position;
  const e = readConstExpr(r);
  if (e.op === 'ref.null') return -1;
  if (e.op !== 'ref.func') return -2;
  if (e.index >= functions)
    r.fail('DL_BAD_INDEX', `element function ${e.index} is out of range (${functions} functions)`, 'element', at);
  return e.index;
}

/**
 * Reads one segment. Its flags (0–7) say: bit 0 passive or declarative, bit 1 an explicit table
 * (active) or declarative (passive), bit 2 elements as constant expressions instead of indices.
 */
function readSegment(r: ByteReader, functions: number): ElementSegment {
  const at = r.position;
  const flags = r.u32('element segment flags');
  if (flags > 7) r.fail('DL_BAD_VALUE', `element segment flags ${flags} are not 0–7`, 'element segment', at);
  const active = (flags & 1) === 0;
  const explicit = (flags & 2) !== 0;
  const expressions = (flags & 4) !== 0;
  const table = active && explicit ? r.u32('element table index') : 0;
  const offset = active ? readConstExpr(r) : null;
  if (!active || explicit) {
    if (expressions) readValueType(r, 'element reference type');
    else if (r.u8('element kind') !== 0)
      r.fail('DL_BAD_VALUE', 'element kind must be 0 (funcref)', 'element segment', r.position - 1);
  }
  const n = r.count('element count', 1);
  const elements = new Int32Array(n);
  for (let i = 0; i < n; i++) elements[i] = readElement(r, expressions, functions);
  return { mode: active ? 'active' : explicit ? 'declarative' : 'passive', table, offset, functions: elements };
}

/** Reads the element section: each segment's mode, table, offset and function indices. */
export function readElementSection(r: ByteReader, spaces: IndexSpaces): ElementSegment[] {
  const n = r.count('element segment count', 2);
  const functions = functionCount(spaces);
  const segments: ElementSegment[] = [];
  for (let i = 0; i < n; i++) segments.push(readSegment(r, functions));
  r.expectEnd('element section');
  return segments;
}
