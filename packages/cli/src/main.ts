import { parseArgs } from 'node:util';
import { isDlError } from '@dl/errors';
import { loadGraph } from '@dl/loaders';
import { fsLoader } from '@dl/loaders/node';
import { readModule } from '@dl/reader';
import { exitCodes } from './io.js';
import type { CliIo } from './io.js';
import { buildInspectReport, renderInspect } from './report/inspect.js';
import type { InspectReport } from './report/inspect.js';
import { buildLddReport, renderLdd } from './report/ldd.js';
import { filterSymbols, listSymbols, renderSymbols } from './report/symbols.js';
import { helpTexts } from './usage.js';

/** A wrong command line: exit code 2 with the command's help. */
class UsageError extends Error {
  constructor(message: string, readonly command: keyof typeof helpTexts) {
    super(message);
  }
}

/** The package version, injected at build time; `dev` when run from source. */
declare const __DL_VERSION__: string | undefined;
const version = typeof __DL_VERSION__ === 'string' ? __DL_VERSION__ : 'dev';

/** One line for a failed input: `dl: <message> [CODE]`. */
function errorLine(e: unknown): string {
  if (isDlError(e)) return `dl: ${e.message} [${e.code}]\n`;
  return `dl: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`;
}

function parse(command: 'inspect' | 'nm', args: readonly string[]): { files: string[]; json: boolean; defined: boolean; undefined: boolean } {
  const flag = { type: 'boolean' } as const;
  const options: Record<string, { type: 'boolean'; short?: string }> = { json: flag, help: { type: 'boolean', short: 'h' } };
  if (command === 'nm') Object.assign(options, { defined: flag, undefined: flag });
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e), command);
  }
  const v = parsed.values as Record<string, boolean | undefined>;
  if (v.help === true) throw new UsageError('', command);
  if (parsed.positionals.length === 0) throw new UsageError('missing FILE', command);
  if (command === 'nm' && parsed.positionals.length > 1) throw new UsageError('nm takes one FILE', command);
  if (v.defined === true && v.undefined === true) throw new UsageError('--defined and --undefined exclude each other', command);
  return { files: parsed.positionals, json: v.json === true, defined: v.defined === true, undefined: v.undefined === true };
}

async function inspect(args: readonly string[], io: CliIo): Promise<number> {
  const { files, json } = parse('inspect', args);
  const results: (InspectReport | { file: string; error: unknown })[] = [];
  let failed = false;
  for (const file of files) {
    try {
      const bytes = await io.readFile(file);
      results.push(buildInspectReport(bytes, file, readModule(bytes, { name: file })));
    } catch (e) {
      if (!isDlError(e)) throw e;
      failed = true;
      io.stderr(errorLine(e));
      results.push({ file, error: e.toJSON() });
    }
  }
  if (json) {
    io.stdout(`${JSON.stringify(files.length === 1 ? results[0] : results, null, 2)}\n`);
  } else {
    const ok = results.filter((r): r is InspectReport => !('error' in r));
    io.stdout(ok.map(renderInspect).join('\n\n') + (ok.length > 0 ? '\n' : ''));
  }
  return failed ? exitCodes.badInput : exitCodes.ok;
}

async function nm(args: readonly string[], io: CliIo): Promise<number> {
  const { files, json, defined, undefined: undef } = parse('nm', args);
  const file = files[0]!;
  try {
    const bytes = await io.readFile(file);
    const symbols = filterSymbols(listSymbols(bytes, file), defined ? 'defined' : undef ? 'undefined' : 'all');
    io.stdout(json ? `${JSON.stringify(symbols, null, 2)}\n` : `${renderSymbols(symbols)}${symbols.length > 0 ? '\n' : ''}`);
    return exitCodes.ok;
  } catch (e) {
    if (!isDlError(e)) throw e;
    io.stderr(errorLine(e));
    return exitCodes.badInput;
  }
}

function parseLdd(args: readonly string[]): { file: string; dirs: string[]; env: boolean; json: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        'library-path': { type: 'string', short: 'L', multiple: true },
        env: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e), 'ldd');
  }
  const { values: v, positionals } = parsed;
  if (v.help === true) throw new UsageError('', 'ldd');
  if (positionals.length === 0) throw new UsageError('missing FILE', 'ldd');
  if (positionals.length > 1) throw new UsageError('ldd takes one FILE', 'ldd');
  const dirs = v['library-path'] ?? [];
  if (dirs.includes('')) throw new UsageError('-L needs a directory', 'ldd');
  return { file: positionals[0]!, dirs, env: v.env === true, json: v.json === true };
}

/** Walks FILE's NEEDED graph reading only each file's head; exit 1 when anything failed. */
async function ldd(args: readonly string[], io: CliIo): Promise<number> {
  const { file, dirs, env, json } = parseLdd(args);
  const graph = await loadGraph(fsLoader({ searchPath: dirs, env, cache: null }), [file], { compile: false });
  const report = buildLddReport(graph);
  for (const p of report.problems) io.stderr(`dl: ${p.message} [${p.code}]\n`);
  io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : `${renderLdd(report)}\n`);
  return report.problems.length > 0 ? exitCodes.badInput : exitCodes.ok;
}

/**
 * Runs the `dl` command line.
 *
 * @param argv - arguments after the program name, e.g. `['inspect', 'libfoo.so']`
 * @param io - output streams and file access (`ldd` reads the file system itself, through `fsLoader`)
 * @returns the exit code: 0 ok, 1 bad input, 2 usage error
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'inspect': return await inspect(rest, io);
      case 'nm': return await nm(rest, io);
      case 'ldd': return await ldd(rest, io);
      case 'help': case '--help': case '-h': case undefined: {
        const topic = rest[0] === 'inspect' || rest[0] === 'nm' || rest[0] === 'ldd' ? rest[0] : 'dl';
        (command === undefined ? io.stderr : io.stdout)(helpTexts[topic]);
        return command === undefined ? exitCodes.usage : exitCodes.ok;
      }
      case '--version': case '-v':
        io.stdout(`dl ${version}\n`);
        return exitCodes.ok;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`, 'dl');
    }
  } catch (e) {
    if (!(e instanceof UsageError)) {
      io.stderr(errorLine(e));
      return exitCodes.badInput;
    }
    if (e.message === '') {
      io.stdout(helpTexts[e.command]);
      return exitCodes.ok;
    }
    io.stderr(`dl: ${e.message}\n\n${helpTexts[e.command]}`);
    return exitCodes.usage;
  }
}
