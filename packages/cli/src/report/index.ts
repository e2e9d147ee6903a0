export { buildInspectReport, constValue, renderInspect } from './inspect.js';
export type { ExportCounts, ExportEntry, ImportCounts, ImportEntry, InspectReport } from './inspect.js';
export { buildLddReport, renderLdd } from './ldd.js';
export type { LddGraph, LddLibrary, LddProblem, LddReport, LddTried, LddVia } from './ldd.js';
export { filterSymbols, listSymbols, renderSymbols, symbolLetters } from './symbols.js';
export type { SymbolEntry, SymbolFilter } from './symbols.js';
export { printable, printableLines } from './printable.js';
export { groupDigits, renderTable } from './table.js';
export type { Align } from './table.js';
