export { checkModuleFraming, readModule } from './read-module.js';
export type { ModuleReadOptions } from './read-module.js';
export { moduleHeadLength, readModuleHead } from './head.js';
export type { HeadOptions } from './head.js';
export { classifyExport, classifyImport } from './classify.js';
export type { ExportCategory, ImportCategory } from './classify.js';
export type {
  AggregateType,
  ConstExpr,
  Export,
  FuncType,
  GlobalDef,
  GlobalType,
  Import,
  Limits,
  MemoryType,
  ModuleCounts,
  ModuleInfo,
  ProducerField,
  ProducerValue,
  SectionInfo,
  TableType,
  TargetFeature,
  TypeDef,
  ValueType,
} from './types.js';
