import { describe, expect, it } from 'vitest';
import { renderSqliteTable, TABLE_RUNTIMES } from './sqlite-support.harness.js';

describe('renderSqliteTable', () => {
  const ok = { stdout: '\n1|a\n', status: 0 };
  it('shows the native rows once, "= native" where a runtime printed exactly them, and the output where not', () => {
    const md = renderSqliteTable(
      [
        {
          name: 'series',
          statements: ['SELECT 1|2;'],
          outputs: {
            'native (gcc)': ok,
            'WASI node': ok,
            'WASI Chromium': { stdout: '\n1|a\n', status: 1 },
            'Emscripten node': { stdout: '\n2\n', status: 0 },
          },
        },
      ],
      [{ name: 'missing', statements: ['x'], outputs: { 'native (gcc)': { stdout: 'Error: e\n', status: 1 } } }],
      '# t',
    );
    const rows = md.split('\n');
    expect(rows[0]).toBe('# t');
    expect(rows).toContain(`| case | SQL (one argument each) | ${TABLE_RUNTIMES.join(' | ')} |`);
    expect(rows.find((r) => r.startsWith('| series |'))).toBe(
      '| series | `SELECT 1\\|2;` | ``<br>`1\\|a`<br>(exit 0) | **= native** ✓ | **differs** ✗<br>``<br>`1\\|a`<br>(exit 1) | **differs** ✗<br>``<br>`2`<br>(exit 0) | not run |',
    );
    expect(rows.find((r) => r.startsWith('| missing |'))).toBe(
      '| missing | `x` | `Error: e` | not run | not run | not run | not run |',
    );
  });
});
