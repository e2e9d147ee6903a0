export { isSideModule, readDylinkInfo, readDylinkPrefix } from './dylink/read-dylink.js';
export type { DylinkPrefixResult } from './dylink/read-dylink.js';
export { neededByText, requestAlias } from './dylink/needed-request.js';
export type { NeededRequest } from './dylink/needed-request.js';
export type {
  ByteRange,
  DylinkExportInfo,
  DylinkFormat,
  DylinkImportInfo,
  DylinkInfo,
  DylinkUnknownSubsection,
} from './dylink/types.js';
export { readModule } from './module/read-module.js';
export { functionTypesOf } from './module/entities.js';
export type { ModuleReadOptions } from './module/read-module.js';
export { moduleHeadLength, readModuleHead } from './module/head.js';
export { checkModuleFraming } from './module/read-module.js';
export type { HeadOptions } from './module/head.js';
export { classifyExport, classifyImport } from './module/classify.js';
export {
  classifyLinkImport,
  classifyLinkImports,
  classifyModuleImports,
  describeImport,
  isSymbolImport,
} from './module/link-imports.js';
export type {
  AbiName,
  ClassifiedImport,
  GotSpecialName,
  ImportDescription,
  ImportRole,
  SymbolImport,
} from './module/link-imports.js';
export type { ExportCategory, ImportCategory } from './module/classify.js';
export type {
  AggregateType,
  ConstExpr,
  DataSegment,
  ElementSegment,
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
} from './module/types.js';
export { describeSymbolFlags, formatFuncType } from './format/describe.js';
export {
  BINDING_MASK,
  dylinkSubsectionNames,
  dylinkSubsections,
  externalKinds,
  sectionIds,
  sectionNames,
  symbolFlags,
} from './format/ids.js';
export type { ExternalKind } from './format/ids.js';
export type { BinaryInput, ReadOptions } from './input.js';
