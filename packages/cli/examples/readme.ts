import { readFile } from 'node:fs/promises';
import { buildInspectReport, filterSymbols, listSymbols, renderSymbols } from '@dl/cli';

// The CLI's reports are plain functions too (the playground shows them with the same wording).
const file = new URL('../../../tooling/fixtures/wasm/emcc/libweak_undef.so', import.meta.url);
const bytes = new Uint8Array(await readFile(file));
const report = buildInspectReport(bytes, 'libweak_undef.so');
console.log(report.importCounts, report.weakImports);
console.log(renderSymbols(filterSymbols(listSymbols(bytes, 'libweak_undef.so'), 'undefined')));
