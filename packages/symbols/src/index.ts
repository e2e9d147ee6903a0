export { addressOf } from './definitions.js';
export type {
  Callable,
  DataDefinition,
  Definition,
  FunctionDefinition,
  GlobalDefinition,
  Provider,
  TlsDefinition,
} from './definitions.js';
export { isInternalName } from './internal-names.js';
export { Scope } from './scope.js';
export type { Interposition } from './scope.js';
export { GotTable, GotUndo } from './got.js';
export { mutableI32 } from './global-pool.js';
export type { GotEntry, GotSpace } from './got.js';
export { FunctionSlots } from './function-slots.js';
export type { SlotSource } from './function-slots.js';
export { addressTarget, definitionOf, definitionsOf, pickFunction } from './relocate.js';
export { eagerSource, InstanceSource } from './source.js';
export type { SymbolSource } from './source.js';
export type { ExportLike, Relocation } from './relocate.js';
export { sameFuncType } from './signature.js';
export {
  FallbackMemo,
  findBreadthFirst,
  findInScopes,
  findNext,
  isOriginalName,
  lookupPath,
  originalOf,
  originalsOf,
  resolveSymbol,
} from './resolver.js';
export type { SymbolTree } from './resolver.js';
