import { readFile } from 'node:fs/promises';
import { buildInspectReport, filterSymbols, listSymbols, renderSymbols } from '@dl/cli/report';

// The CLI's reports are plain functions too (the playground shows them with the same wording).
// A sample side module shipped by @dl/reader (emcc 3.1.6 -sSIDE_MODULE, 274 bytes).
const file = new URL(import.meta.resolve('@dl/reader/samples/libweak_undef.so'));
const bytes = new Uint8Array(await readFile(file));
const report = buildInspectReport(bytes, 'libweak_undef.so');
console.log(report.importCounts, report.weakImports);
console.log(renderSymbols(filterSymbols(listSymbols(bytes, 'libweak_undef.so'), 'undefined')));
