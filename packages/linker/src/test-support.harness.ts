/** Test support: linkers over the fixture corpus. Not exported by the package. */
import { DlError } from '@dl/errors';
import { sideModuleFiles } from '@dl/fixtures';
import type { Toolchain } from '@dl/fixtures';
import { jsHostApi } from '@dl/fixtures/js-host';
import type { JsHostApi, TypedHostFunction } from '@dl/fixtures/js-host';
import { createLinker, createLinkerSync } from './create.js';
import type { CreateOptions } from './create.js';
import { RTLD_DEFAULT } from './symbol-lookup.js';
import type { Linker } from './linker.js';
import { memoryLoader } from './loader.js';
import type { Handle, JsHostProgram } from './types.js';

/** Fixtures built for shared memory (threads): they only link into a shared-memory program. */
export const sharedMemoryFixtures: ReadonlySet<string> = new Set([
  'tls_mt',
  'tls_init',
  'thr_base',
  'thr_user',
  'thr_eh',
  'thr_eh_user',
  'thr_lazy',
  'thr_lazy_user',
]);

/** Every side module of a toolchain, by file name (what NEEDED entries say). */
export const sideFiles: (toolchain: Toolchain) => Record<string, Uint8Array> = sideModuleFiles;

/** A linker whose program is the JS host of c/host_api.h, loading the toolchain's fixtures. */
export interface HostedLinker {
  readonly linker: Linker;
  readonly host: JsHostApi;
}

/** Options of the JS-host test linkers: the linker's, plus edits to the host's functions. */
export type HostedOptions = Omit<CreateOptions, 'program'> & {
  readonly program?: Partial<JsHostProgram>;
  /** Changes the host's own functions (drop some, wrap some). */
  readonly editHost?: (functions: JsHostApi['functions']) => Record<string, TypedHostFunction>;
};

function hostProgram(
  get: () => Linker,
  extra: Partial<JsHostProgram>,
  edit: HostedOptions['editHost'],
): { program: JsHostProgram; host: JsHostApi } {
  const address = (name: string): number => {
    const s = get().dlsym(RTLD_DEFAULT, name);
    if (s.kind === 'global') throw new Error(`${name} has no address`);
    return s.address;
  };
  const host = jsHostApi({
    memory: () => get().memory,
    table: () => get().table,
    dataAddress: address,
    functionAddress: address,
  });
  const functions = edit === undefined ? host.functions : edit(host.functions);
  return { program: { kind: 'host', functions, data: host.data, ...extra }, host };
}

/** A JS-host linker (sync creation). */
export function hostLinkerSync(toolchain: Toolchain, options: HostedOptions = {}): HostedLinker {
  const holder: { linker?: Linker } = {};
  const { program, host } = hostProgram(() => holder.linker!, options.program ?? {}, options.editHost);
  const { editHost: _edit, ...rest } = options;
  holder.linker = createLinkerSync({ loader: memoryLoader(sideFiles(toolchain)), ...rest, program });
  return { linker: holder.linker, host };
}

/**
 * `editHost` for libthr_eh_user.so: the C++ runtime's two calls its catch needs (the fixtures
 * have no libc++abi).
 */
export function withCxaCatch(functions: JsHostApi['functions']): Record<string, TypedHostFunction> {
  return {
    ...functions,
    __cxa_begin_catch: { func: (p: number) => p, type: '(i32) -> i32' },
    __cxa_end_catch: { func: () => undefined, type: '() -> ()' },
  };
}

/** A JS-host linker (async creation). */
export async function hostLinker(toolchain: Toolchain, options: HostedOptions = {}): Promise<HostedLinker> {
  const holder: { linker?: Linker } = {};
  const { program, host } = hostProgram(() => holder.linker!, options.program ?? {}, options.editHost);
  const { editHost: _edit, ...rest } = options;
  holder.linker = await createLinker({ loader: memoryLoader(sideFiles(toolchain)), ...rest, program });
  return { linker: holder.linker, host };
}

/** Calls a `() => i32` export found through `dlsym`. */
export function call(linker: Linker, handle: Handle | typeof RTLD_DEFAULT, name: string, ...args: number[]): number {
  const s = linker.dlsym(handle, name);
  if (s.kind !== 'function') throw new Error(`${name} is not a function`);
  return (s.func as (...a: number[]) => number)(...args);
}

/** Reads an i32 from the linker's memory. */
export function readI32(linker: Linker, address: number): number {
  return new DataView(linker.memory.buffer).getInt32(address, true);
}

/** The DlError a call throws (fails the test when it returns or throws something else). */
export function thrown(f: () => unknown): DlError {
  try {
    f();
  } catch (e) {
    if (e instanceof DlError) return e;
    throw e;
  }
  throw new Error('returned');
}

/** The DlError a promise rejects with (fails the test when it resolves or rejects with something else). */
export async function rejection(p: Promise<unknown>): Promise<DlError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DlError) return e;
    throw e;
  }
  throw new Error('resolved');
}
