export { main } from './main.js';
export { exitCodes } from './io.js';
export type { CliIo } from './io.js';
export { MAX_FILE_BYTES, nodeIo, readFileAsBytes } from './node-io.js';
export { printable, printableLines } from './report/printable.js';
export {
  buildInspectReport,
  buildLddReport,
  filterSymbols,
  listSymbols,
  renderInspect,
  renderLdd,
  renderSymbols,
  symbolLetters,
} from './report/index.js';
export type {
  ExportEntry,
  ImportEntry,
  InspectReport,
  LddLibrary,
  LddProblem,
  LddReport,
  SymbolEntry,
  SymbolFilter,
} from './report/index.js';
