/**
 * pnpm bench [SUITE...]: runs the benchmark suites (default: all) and prints their ratios.
 * Timings are medians of repeated runs in this one process; ratios are what matter.
 */
import { availableParallelism, cpus } from 'node:os';
import { readerBench } from './reader.js';

const suites: Readonly<Record<string, () => string>> = { reader: readerBench };

const chosen = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = chosen.length > 0 ? chosen : Object.keys(suites);
console.log(`@dl benchmarks: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'})\n`);
for (const name of names) {
  const suite = suites[name];
  if (suite === undefined) {
    console.error(`unknown suite ${name}; suites: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  console.log(`== ${name} ==`);
  console.log(suite());
  console.log('');
}
