import { readFileSync } from 'node:fs';
import { fixture, fixturePath, pyodideMain, treeSitterGrammars } from '@dl/fixtures';
import { concat, custom } from '@dl/fixtures/writer';
import { readDylinkInfo, readModule } from '@dl/reader';
import { renderTable } from '@dl/cli/report';
import { formatBytes, formatMs, measure } from './measure.js';

interface Input {
  readonly label: string;
  readonly bytes: Uint8Array;
}

function load(label: string, path: string): Input {
  return { label, bytes: new Uint8Array(readFileSync(path)) };
}

/**
 * Copies of a module that differ only in a trailing custom section, so the engine cannot
 * answer a compile from its in-process cache of identical wire bytes.
 */
function distinctCopies(bytes: Uint8Array, n: number): Uint8Array<ArrayBuffer>[] {
  return Array.from({ length: n }, (_, i) =>
    concat(bytes, custom('bench', new TextEncoder().encode(`copy ${i} ${Math.random()}`))),
  );
}

/** What `new WebAssembly.Module` + the reflection calls cost: the engine's way to the same facts. */
function engineView(bytes: Uint8Array<ArrayBuffer>): number {
  const m = new WebAssembly.Module(bytes);
  return (
    WebAssembly.Module.imports(m).length +
    WebAssembly.Module.exports(m).length +
    WebAssembly.Module.customSections(m, 'dylink.0').length
  );
}

/** Runs the @dl/reader benchmarks and returns the printed report. */
export function readerBench(): string {
  const small = load('libneed_a.so (emcc)', fixturePath(fixture('need_a', 'emcc')));
  const many = load('libmany.so (clang-16, 4004 exports)', fixturePath(fixture('many', 'clang16')));
  const grammars = [...treeSitterGrammars()].sort((a, b) => a.path.localeCompare(b.path));
  const grammar = load(
    `${grammars.find((g) => g.id.includes('typescript'))?.id ?? grammars[0]!.id} (tree-sitter)`,
    (grammars.find((g) => g.id.includes('typescript')) ?? grammars[0]!).path,
  );
  const pyodide = load('pyodide.asm.wasm (pyodide 314)', pyodideMain().path);

  const lines: string[] = [];
  const dylinkSmall = measure(() => readDylinkInfo(small.bytes), { batch: 2000 });
  const dylinkBig = measure(() => readDylinkInfo(pyodide.bytes), { batch: 2000 });
  lines.push('readDylinkInfo: cost must not depend on module size');
  lines.push(
    renderTable(
      [
        ['module', 'size', 'time per call'],
        [small.label, formatBytes(small.bytes.length), formatMs(dylinkSmall.medianMs)],
        [pyodide.label, formatBytes(pyodide.bytes.length), formatMs(dylinkBig.medianMs)],
      ],
      ['left', 'right', 'right'],
      '  ',
    ),
  );
  lines.push(
    `  ratio ${(dylinkBig.medianMs / dylinkSmall.medianMs).toFixed(2)}× for a ${Math.round(pyodide.bytes.length / small.bytes.length)}× larger module (goal: near 1)`,
  );
  lines.push('');
  lines.push(
    'readModule vs new WebAssembly.Module + Module.imports/exports/customSections (same bytes, distinct copies)',
  );
  const rows: string[][] = [['module', 'size', 'readModule', 'engine', 'ratio (goal ≤ 0.20×)']];
  for (const input of [small, many, grammar, pyodide]) {
    const copies = distinctCopies(input.bytes, input.bytes.length > 4_000_000 ? 4 : 16);
    const big = input.bytes.length > 1_000_000;
    const ours = measure((i) => readModule(copies[i % copies.length]!), { batch: big ? 1 : 20, minRuns: big ? 9 : 15 });
    const engine = measure((i) => engineView(copies[i % copies.length]!), {
      batch: 1,
      minRuns: big ? 9 : 30,
      warmup: 1,
    });
    rows.push([
      input.label,
      formatBytes(input.bytes.length),
      formatMs(ours.medianMs),
      formatMs(engine.medianMs),
      `${(ours.medianMs / engine.medianMs).toFixed(3)}×`,
    ]);
  }
  lines.push(renderTable(rows, ['left', 'right', 'right', 'right', 'right'], '  '));
  return lines.join('\n');
}
