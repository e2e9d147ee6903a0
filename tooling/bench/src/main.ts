/**
 * pnpm bench [SUITE...] [--option value...]: runs the benchmark suites (default: all) and
 * prints their ratios. `reader` times in this one process; `linker` runs a fresh node process
 * per measurement; `loaders` too, plus a fresh Chromium page per web measurement; `unload` a
 * fresh `node --expose-gc` process per case and run; `threads` a fresh node process (with its
 * workers) per measurement; `plans` a fresh process per warm start; `tree-sitter` a fresh
 * process per measurement of web-tree-sitter (see README.md for their options). With
 * several suites, `--json FILE` collects the cases of all of them (each tagged `"suite"`).
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from './args.js';
import type { BenchArgs } from './args.js';
import { linkerBench } from './linker.js';
import { loadersBench } from './loaders.js';
import { plansBench } from './plans.js';
import { readerBench } from './reader.js';
import { startupBench } from './startup.js';
import { threadsBench } from './threads.js';
import { beginSuite } from './suite.js';
import { treeSitterBench } from './tree-sitter.js';
import { unloadBench } from './unload.js';

const suites: Readonly<Record<string, (args: BenchArgs) => string | Promise<string>>> = {
  reader: () => readerBench(),
  linker: linkerBench,
  loaders: loadersBench,
  unload: unloadBench,
  startup: startupBench,
  threads: threadsBench,
  plans: plansBench,
  'tree-sitter': treeSitterBench,
};

const args = parseArgs(process.argv.slice(2));
const names = args.suites.length > 0 ? args.suites : Object.keys(suites);
console.log(
  `@dl benchmarks: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'})\n`,
);
for (const name of names) {
  const suite = suites[name];
  if (suite === undefined) {
    console.error(`unknown suite ${name}; suites: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  if (names.length > 1) beginSuite(name);
  console.log(`== ${name} ==`);
  console.log(await suite(args));
  console.log('');
}
