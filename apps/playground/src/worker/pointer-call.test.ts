import { describe, expect, it } from 'vitest';
import { pointerCallModule } from './pointer-call.js';

describe('the module that calls a function pointer with call_indirect', () => {
  it('is valid for every type the page can call, and refuses the others', () => {
    for (const types of [[], ['i32'], ['i64', 'f32', 'f64'], ['externref'], ['i32', 'i32', 'i32', 'i32']])
      expect(WebAssembly.validate(pointerCallModule(types, types.slice(0, 1)))).toBe(true);
    expect(() => pointerCallModule(['v128'], [])).toThrow('v128 values cannot cross into JavaScript');
  });
});
