import type { Loader, LoadRequest } from '@dl/linker';
import type { Tried } from './errors.js';
import type { Candidate } from './search.js';

/** A library found and its head read, without compiling it (graph walks, `dl ldd`). */
export interface Inspected {
  readonly key: string;
  readonly name: string;
  readonly location: string;
  /** Its bytes up to the code section: dylink (NEEDED, RUNTIME_PATH), imports, exports. */
  readonly head: Uint8Array;
  /** The whole module's size, when known. */
  readonly size: number | null;
  /** The search step and entry that found it. */
  readonly via: Candidate;
  /** The places tried before it, with why each failed. */
  readonly tried: readonly Tried[];
}

/** A loader that can also find a library and read just its head. */
export interface InspectingLoader extends Loader {
  inspect(request: LoadRequest): Promise<Inspected>;
  inspectSync?(request: LoadRequest): Inspected;
}
