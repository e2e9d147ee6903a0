export { createLinker, createLinkerSync } from './create.js';
export type { CreateOptions } from './create.js';
export { Linker } from './linker.js';
export { RTLD_DEFAULT, RTLD_NEXT } from './symbol-lookup.js';
export type { SymbolScope } from './symbol-lookup.js';
export { RTLD, resolveFlags } from './flags.js';
export { memoryLoader, neededByText } from './loader.js';
export type { LoadedSource, Loader, LoadRequest, ParentLibrary } from './loader.js';
export { parseSignature, toFuncType } from './signatures.js';
export { DlError, isDlError } from '@dl/errors';
export type { DlErrorCode } from '@dl/errors';
export { AbiMismatchError, abiMismatchOf } from './abi-mismatch.js';
export type { AbiMismatch } from './abi-mismatch.js';
export { SymbolNotFoundError, UndefinedSymbolsError } from './undefined.js';
export type { MissingSymbol, SymbolLookup } from './undefined.js';
export type { LinkerEvent, LinkerEventType } from './events.js';
export type { GraphLibrary, LibraryPlacement, LinkGraph } from './graph.js';
export type {
  AdmittedLibrary,
  AttachedMainProgram,
  CompatGroup,
  DlopenFlags,
  Handle,
  HostData,
  HostFunction,
  HostFunctionType,
  JsHostProgram,
  LibrarySource,
  LinkerLimits,
  LinkerOptions,
  LoadOptions,
  Program,
  RelocatableMainProgram,
  ReloadOptions,
  ResolvedFlags,
  SymbolValue,
} from './types.js';
export { sideModuleConventions } from './runtime.js';
export { UNLOAD_HOOK } from './unload.js';
export type { ServedFollower } from './threads/serve.js';
export type { FollowMessage, ThreadPort } from './threads/messages.js';
export type { ThreadStartOptions, ThreadWorker, ThreadWorkerClass } from './threads/start.js';
export type { Follower, FollowOptions } from './threads/follow.js';
export type {
  ImageGotUpdate,
  ImageGotValue,
  ImageImport,
  ImageLibrary,
  ImageSlot,
  ThreadImage,
  ThreadResources,
} from './threads/image.js';
export type { LoadedLibrary, LoadedSet, LoadTransaction, RuntimeAdapter } from './runtime.js';
