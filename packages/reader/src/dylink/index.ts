export { isSideModule, readDylinkInfo, readDylinkPrefix } from './read-dylink.js';
export type { DylinkPrefixResult } from './read-dylink.js';
export type {
  ByteRange,
  DylinkExportInfo,
  DylinkFormat,
  DylinkImportInfo,
  DylinkInfo,
  DylinkUnknownSubsection,
} from './types.js';
export { neededByText, requestAlias } from './needed-request.js';
export type { NeededRequest } from './needed-request.js';
