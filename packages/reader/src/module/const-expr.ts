import type { ByteReader } from '../bytes/byte-reader.js';
import { constOpcodes } from '../format/ids.js';
import { readHeapType } from './types-section.js';
import type { ConstExpr } from './types.js';

/** Skips the immediates of one instruction allowed in a constant expression. */
function skipImmediates(r: ByteReader, op: number, at: number): void {
  switch (op) {
    case constOpcodes.i32Const:
      r.signed(32, 'i32.const');
      return;
    case constOpcodes.i64Const:
      r.s64('i64.const');
      return;
    case constOpcodes.f32Const:
      r.skip(4, 'f32.const');
      return;
    case constOpcodes.f64Const:
      r.skip(8, 'f64.const');
      return;
    case constOpcodes.globalGet:
      r.u32('global.get index');
      return;
    case constOpcodes.refNull:
      readHeapType(r, 'ref.null heap type');
      return;
    case constOpcodes.refFunc:
      r.u32('ref.func index');
      return;
    case constOpcodes.i32Add:
    case constOpcodes.i32Sub:
    case constOpcodes.i32Mul:
    case constOpcodes.i64Add:
    case constOpcodes.i64Sub:
    case constOpcodes.i64Mul:
      return;
    case constOpcodes.prefixSimd: {
      const sub = r.u32('SIMD opcode');
      if (sub !== 12)
        r.fail('DL_BAD_VALUE', `SIMD opcode ${sub} is not allowed in a constant expression`, 'constant expression', at);
      r.skip(16, 'v128.const');
      return;
    }
    case constOpcodes.prefixGc: {
      // GC constant instructions carry at most two u32 immediates (type/field indices, lengths).
      const sub = r.u32('GC opcode');
      const immediates: Record<number, number> = { 0: 1, 1: 1, 6: 2, 7: 2, 8: 2, 28: 0, 26: 0, 27: 0 };
      const n = immediates[sub];
      if (n === undefined)
        r.fail('DL_BAD_VALUE', `GC opcode ${sub} is not allowed in a constant expression`, 'constant expression', at);
      for (let i = 0; i < n; i++) r.u32('GC immediate');
      return;
    }
    default:
      r.fail(
        'DL_BAD_VALUE',
        `opcode 0x${op.toString(16)} is not allowed in a constant expression`,
        'constant expression',
        at,
      );
  }
}

/**
 * Reads a constant expression up to and including its `end` opcode. A single instruction is
 * decoded into a {@link ConstExpr}; longer expressions become `{ op: 'extended' }`.
 */
export function readConstExpr(r: ByteReader): ConstExpr {
  const start = r.position;
  const op = r.u8('constant expression opcode');
  let single: ConstExpr | null = null;
  switch (op) {
    case constOpcodes.i32Const:
      single = { op: 'i32.const', value: r.signed(32, 'i32.const') };
      break;
    case constOpcodes.i64Const:
      single = { op: 'i64.const', value: r.s64('i64.const') };
      break;
    case constOpcodes.f32Const:
      single = { op: 'f32.const', value: r.f32('f32.const') };
      break;
    case constOpcodes.f64Const:
      single = { op: 'f64.const', value: r.f64('f64.const') };
      break;
    case constOpcodes.globalGet:
      single = { op: 'global.get', index: r.u32('global.get index') };
      break;
    case constOpcodes.refNull:
      single = { op: 'ref.null', heapType: readHeapType(r, 'ref.null heap type') };
      break;
    case constOpcodes.refFunc:
      single = { op: 'ref.func', index: r.u32('ref.func index') };
      break;
    case constOpcodes.prefixSimd: {
      const sub = r.u32('SIMD opcode');
      if (sub !== 12)
        r.fail(
          'DL_BAD_VALUE',
          `SIMD opcode ${sub} is not allowed in a constant expression`,
          'constant expression',
          start,
        );
      single = { op: 'v128.const', bytes: r.bytesView(16, 'v128.const') };
      break;
    }
    case constOpcodes.end:
      r.fail('DL_BAD_VALUE', 'empty constant expression', 'constant expression', start);
      break;
    default:
      skipImmediates(r, op, start);
  }
  let instructions = 1;
  for (;;) {
    const at = r.position;
    const next = r.u8('constant expression opcode');
    if (next === constOpcodes.end) break;
    skipImmediates(r, next, at);
    instructions++;
  }
  return instructions === 1 && single !== null ? single : { op: 'extended', instructions };
}
