// The judging half of the generated differential matrix (differential.test.ts): what counts as a
// correct run, as stock and facade agreeing, and the stock-vs-facade table written to
// .ci/artifacts/emsuite-table.md. Test support only: not exported by the package.
import type { EmsuiteRun } from '@dl/fixtures/emsuite';
import type { MatrixVariant } from '@dl/fixtures/emsuite-matrix';

/** Both runs of a variant, judged. */
export interface Judged {
  readonly variant: MatrixVariant;
  readonly stock: EmsuiteRun;
  readonly facade: EmsuiteRun;
  /** Stock prints the expected stdout and status (and stderr matches the program's pattern). */
  readonly stockCorrect: boolean;
  readonly facadeCorrect: boolean;
  /** Same stdout, status and (normalised, or both matching the program's pattern) stderr. */
  readonly agree: boolean;
  /** The rule of the suite: agree where stock is correct, be correct where it is not. */
  readonly facadePasses: boolean;
}

/**
 * stderr as compared: hexadecimal addresses masked (where a stack overflow is caught differs by a
 * few bytes) and stack-frame lines dropped (they name the glue's lines, which differ per build).
 */
export const normalStderr = (text: string): string =>
  text
    .split('\n')
    .filter((l) => !/^\s+at /.test(l))
    .join('\n')
    .replace(/0x[0-9a-f]+/g, '0x…');

/** stderr less the lines a -sASSERTIONS (-O0) build prints for each failed dlopen (`Error in loading dynamic library …`), as Emscripten does. */
export const withoutAssertionLog = (v: MatrixVariant, stderr: string): string =>
  v.coordinates.opt !== 'O0'
    ? stderr
    : stderr
        .split('\n')
        .filter((l) => !l.startsWith('Error in loading dynamic library '))
        .join('\n');

/** Whether a run prints what the variant expects; `stdout` may be overridden (a recorded gap). */
export function correct(v: MatrixVariant, run: EmsuiteRun, stdout: string = v.expected.stdout): boolean {
  if (run.stdout !== stdout || run.status !== v.expected.status) return false;
  return v.expected.stderr === undefined ? true : v.expected.stderr.test(run.stderr);
}

/** Judges a variant's two runs (`facadeStdout`: the expected stdout of the facade, after gaps). */
export function judge(
  variant: MatrixVariant,
  stock: EmsuiteRun,
  facade: EmsuiteRun,
  facadeStdout: string = variant.expected.stdout,
): Judged {
  const stockCorrect = correct(variant, stock);
  const facadeCorrect =
    correct(variant, facade, facadeStdout) &&
    (variant.expected.stderr !== undefined || withoutAssertionLog(variant, facade.stderr) === '');
  const pattern = variant.expected.stderr;
  const sameStderr =
    pattern === undefined
      ? normalStderr(stock.stderr) === normalStderr(facade.stderr)
      : pattern.test(stock.stderr) && pattern.test(facade.stderr);
  const agree = stock.stdout === facade.stdout && stock.status === facade.status && sameStderr;
  return {
    variant,
    stock,
    facade,
    stockCorrect,
    facadeCorrect,
    agree,
    facadePasses: stockCorrect ? agree : facadeCorrect,
  };
}

/** Counts of one row of the table. */
export interface Counts {
  readonly variants: number;
  readonly stock: number;
  readonly facade: number;
  readonly agree: number;
  /** Variants where the facade breaks the rule (agree where stock works, else be correct). */
  readonly facadeFails: number;
}

export function count(rows: readonly Judged[]): Counts {
  return {
    variants: rows.length,
    stock: rows.filter((r) => r.stockCorrect).length,
    facade: rows.filter((r) => r.facadeCorrect).length,
    agree: rows.filter((r) => r.agree).length,
    facadeFails: rows.filter((r) => !r.facadePasses).length,
  };
}

const line = (label: string, c: Counts): string =>
  `| ${label} | ${c.variants} | ${c.stock} | ${c.facade} | ${c.agree} | ${c.facadeFails} |`;

/** Groups of the table: by each axis. */
const groups: readonly { readonly title: string; readonly key: (j: Judged) => string }[] = [
  {
    title: 'program',
    key: (j) => (j.variant.shape === undefined ? j.variant.coordinates.program : `shapes/${j.variant.shape}`),
  },
  { title: 'way of loading', key: (j) => j.variant.coordinates.way },
  { title: 'optimisation', key: (j) => j.variant.coordinates.opt },
  { title: 'MAIN_MODULE', key: (j) => String(j.variant.coordinates.mm) },
  { title: 'file system', key: (j) => j.variant.coordinates.fs },
];

const clip = (text: string, max = 600): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** The stock-vs-facade table, by axis, then every variant the facade fails with both outputs. */
export function table(rows: readonly Judged[], header: string): string {
  const out = [
    '# emsuite: Emscripten 3.1.6 stock vs @dl/emscripten',
    '',
    header,
    '',
    "stock / facade: prints the expected stdout and status (stderr: empty, or the program's pattern); agree: facade = stock (stdout, status, stderr with addresses masked and stack frames dropped); facade fails: where stock is correct, the facade does not agree; where stock is not, the facade is not correct.",
    '',
    '| | variants | stock correct | facade correct | agree | facade fails |',
    '|---|---|---|---|---|---|',
    line('**all**', count(rows)),
  ];
  for (const g of groups) {
    out.push(`| *${g.title}* | | | | | |`);
    const keys = [...new Set(rows.map(g.key))];
    for (const k of keys) out.push(line(k, count(rows.filter((r) => g.key(r) === k))));
  }
  const fails = rows.filter((r) => !r.facadePasses);
  out.push('', `## Facade failures (${fails.length})`, '');
  for (const f of fails) {
    const show = (r: EmsuiteRun): string =>
      `status ${String(r.status)}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${clip(r.stdout)}\n--- stderr\n${clip(r.stderr)}`;
    out.push(
      `### ${f.variant.id}`,
      '',
      `stock ${f.stockCorrect ? 'correct' : 'not correct'}; facade ${f.facadeCorrect ? 'correct' : 'not correct'}`,
      '',
      '```',
      `expected: status ${f.variant.expected.status}`,
      f.variant.expected.stdout,
      '== stock',
      show(f.stock),
      '== facade',
      show(f.facade),
      '```',
      '',
    );
  }
  return `${out.join('\n')}\n`;
}
