import { isDlError } from '@dl/errors';
import { loadGraph } from '@dl/loaders';
import { fsLoader } from '@dl/loaders/node';
import { readModule } from '@dl/reader';
import { parseCommand, UsageError } from './args.js';
import { exitCodes } from './io.js';
import type { CliIo } from './io.js';
import { buildInspectReport, renderInspect } from './report/inspect.js';
import { buildLddReport, renderLdd } from './report/ldd.js';
import { printable, printableLines } from './report/printable.js';
import { filterSymbols, listSymbols, renderSymbols } from './report/symbols.js';
import { helpTexts } from './usage.js';

/** The package version, injected at build time; `dev` when run from source. */
declare const __DL_VERSION__: string | undefined;
const version = typeof __DL_VERSION__ === 'string' ? __DL_VERSION__ : 'dev';

const commands = ['inspect', 'nm', 'ldd'] as const;
const isCommand = (c: string | undefined): c is (typeof commands)[number] =>
  (commands as readonly (string | undefined)[]).includes(c);

/** One line for a failed input: `dl: <message> [CODE]`, non-printable characters escaped. */
function errorLine(e: unknown): string {
  if (isDlError(e)) return `dl: ${printable(e.message)} [${e.code}]\n`;
  return `dl: internal error: ${printableLines(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`;
}

/** `JSON.stringify(value, null, 2)` as an array element: the same text, indented one level. */
const element = (value: unknown): string => JSON.stringify(value, null, 2).replace(/^/gm, '  ');

function parse(
  command: 'inspect' | 'nm',
  args: readonly string[],
): { files: readonly string[]; json: boolean; defined: boolean; undefined: boolean } {
  const spec =
    command === 'nm'
      ? { json: {}, help: { short: 'h' }, defined: {}, undefined: {} }
      : { json: {}, help: { short: 'h' } };
  const { flags, positionals } = parseCommand(command, args, spec);
  if (flags.has('help')) throw new UsageError('', command);
  if (positionals.length === 0) throw new UsageError('missing FILE', command);
  if (command === 'nm' && positionals.length > 1) throw new UsageError('nm takes one FILE', command);
  if (flags.has('defined') && flags.has('undefined'))
    throw new UsageError('--defined and --undefined exclude each other', command);
  return {
    files: positionals,
    json: flags.has('json'),
    defined: flags.has('defined'),
    undefined: flags.has('undefined'),
  };
}

/**
 * Reports each file as soon as it is read (a later failure never holds back an earlier file's
 * output): text reports separated by a blank line, the failing file's line on stderr; with
 * --json, one object for one file, else an array written element by element (the same text as
 * the whole array stringified at once).
 */
async function inspect(args: readonly string[], io: CliIo): Promise<number> {
  const { files, json } = parse('inspect', args);
  const array = json && files.length > 1;
  let failed = false;
  let printed = 0;
  for (const file of files) {
    let result: unknown;
    try {
      const bytes = await io.readFile(file);
      const report = buildInspectReport(bytes, file, readModule(bytes, { name: file }));
      result = report;
      if (!json) io.stdout(printableLines(`${printed > 0 ? '\n' : ''}${renderInspect(report)}\n`));
    } catch (e) {
      if (!isDlError(e)) throw e;
      failed = true;
      io.stderr(errorLine(e));
      result = { file, error: e.toJSON() };
    }
    if (json)
      io.stdout(array ? `${printed === 0 ? '[\n' : ',\n'}${element(result)}` : `${JSON.stringify(result, null, 2)}\n`);
    if (json || !('error' in (result as object))) printed++;
  }
  if (array) io.stdout('\n]\n');
  return failed ? exitCodes.badInput : exitCodes.ok;
}

async function nm(args: readonly string[], io: CliIo): Promise<number> {
  const { files, json, defined, undefined: undef } = parse('nm', args);
  const file = files[0]!;
  try {
    const bytes = await io.readFile(file);
    const symbols = filterSymbols(listSymbols(bytes, file), defined ? 'defined' : undef ? 'undefined' : 'all');
    io.stdout(
      json
        ? `${JSON.stringify(symbols, null, 2)}\n`
        : printableLines(`${renderSymbols(symbols)}${symbols.length > 0 ? '\n' : ''}`),
    );
    return exitCodes.ok;
  } catch (e) {
    if (!isDlError(e)) throw e;
    io.stderr(errorLine(e));
    return exitCodes.badInput;
  }
}

function parseLdd(args: readonly string[]): { file: string; dirs: string[]; env: boolean; json: boolean } {
  const spec = { 'library-path': { short: 'L', value: 'a directory' }, env: {}, json: {}, help: { short: 'h' } };
  const { flags, values, positionals } = parseCommand('ldd', args, spec);
  if (flags.has('help')) throw new UsageError('', 'ldd');
  if (positionals.length === 0) throw new UsageError('missing FILE', 'ldd');
  if (positionals.length > 1) throw new UsageError('ldd takes one FILE', 'ldd');
  return {
    file: positionals[0]!,
    dirs: [...(values.get('library-path') ?? [])],
    env: flags.has('env'),
    json: flags.has('json'),
  };
}

/** Walks FILE's NEEDED graph reading only each file's head; exit 1 when anything failed. */
async function ldd(args: readonly string[], io: CliIo): Promise<number> {
  const { file, dirs, env, json } = parseLdd(args);
  const graph = await loadGraph(fsLoader({ searchPath: dirs, env, cache: null }), [file], { compile: false });
  const report = buildLddReport(graph);
  for (const p of report.problems) io.stderr(`dl: ${printable(p.message)} [${p.code}]\n`);
  io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : printableLines(`${renderLdd(report)}\n`));
  return report.problems.length > 0 ? exitCodes.badInput : exitCodes.ok;
}

function help(args: readonly string[], io: CliIo): number {
  if (args.length > 1) throw new UsageError('help takes one COMMAND', 'dl');
  const topic = args[0];
  if (topic !== undefined && !isCommand(topic)) throw new UsageError(`unknown command "${printable(topic)}"`, 'dl');
  io.stdout(helpTexts[topic ?? 'dl']);
  return exitCodes.ok;
}

/**
 * Runs the `dl` command line.
 *
 * @param argv - arguments after the program name, e.g. `['inspect', 'libfoo.so']`
 * @param io - output streams and file access (`ldd` reads the file system itself, through `fsLoader`)
 * @returns the exit code (see {@link exitCodes}): 0 ok, 1 bad input, 2 usage error, 70 internal error
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'inspect':
        return await inspect(rest, io);
      case 'nm':
        return await nm(rest, io);
      case 'ldd':
        return await ldd(rest, io);
      case 'help':
      case '--help':
      case '-h':
        return help(rest, io);
      case undefined:
        io.stderr(helpTexts.dl);
        return exitCodes.usage;
      case 'version':
      case '--version':
      case '-V':
      case '-v':
        if (rest.length > 0) throw new UsageError(`${command} takes no arguments`, 'dl');
        io.stdout(`dl ${version}\n`);
        return exitCodes.ok;
      default:
        throw new UsageError(`unknown command "${printable(command)}"`, 'dl');
    }
  } catch (e) {
    if (!(e instanceof UsageError)) {
      io.stderr(errorLine(e));
      return isDlError(e) ? exitCodes.badInput : exitCodes.internal;
    }
    if (e.message === '') {
      io.stdout(helpTexts[e.command]);
      return exitCodes.ok;
    }
    io.stderr(`dl: ${e.message}\n\n${helpTexts[e.command]}`);
    return exitCodes.usage;
  }
}
