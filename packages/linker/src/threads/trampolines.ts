import { DlError } from '@dl/errors';
import { encodeModule, funcTypeOfKey, sleb, uleb } from '../wasm-encoder.js';

/** Where a trampoline stands: a table slot of a library not instantiated on this thread yet. */
export interface TrampolineTarget {
  readonly library: number;
  readonly slot: number;
}

/** Trampolines made per instantiation of a pool module (a pool's functions all have one type). */
const POOL = 32;

/** Each type's pool module, compiled once per thread (a module made in one realm stays there). */
const compiled = new Map<string, WebAssembly.Module>();

/**
 * A module of {@link POOL} functions of type `key`, each calling the import `t.go(k, …args)`
 * with its own index `k` and returning what it returns.
 */
function poolModule(key: string): WebAssembly.Module {
  let module = compiled.get(key);
  if (module !== undefined) return module;
  const type = funcTypeOfKey(key);
  const go = { kind: 'func' as const, params: ['i32' as const, ...type.params], results: type.results };
  const functions = Array.from({ length: POOL }, (_, k) => {
    const body: number[] = [0x41];
    sleb(k, body);
    for (let i = 0; i < type.params.length; i++) {
      body.push(0x20);
      uleb(i, body);
    }
    body.push(0x10, 0x00);
    return { type: 1, body };
  });
  module = new WebAssembly.Module(
    encodeModule({
      types: [go, type],
      importTable: false,
      imports: [{ module: 't', name: 'go', type: 0 }],
      functions,
      exports: functions.map((_, k) => [String(k), k + 1] as const),
    }),
  );
  compiled.set(key, module);
  return module;
}

type Fn = (...args: unknown[]) => unknown;

/**
 * A thread's "load first" trampolines: typed wasm functions a follower puts in the table slots
 * of a library it has not instantiated yet. A call through one asks `arrive` to instantiate the
 * library (which fills the slot with its real function), then calls what the slot holds now
 * with the same arguments. Each trampoline is given to one slot at a time and comes back when
 * its library is instantiated or dropped.
 */
export class Trampolines {
  private readonly functions: Fn[] = [];
  private readonly keys: string[] = [];
  private readonly targets: (TrampolineTarget | null)[] = [];
  private readonly free = new Map<string, number[]>();

  /**
   * @param arrive - instantiates `target.library` on this thread (throws when it cannot)
   * @param table - this thread's table
   */
  constructor(
    private readonly arrive: (target: TrampolineTarget) => void,
    private readonly table: WebAssembly.Table,
  ) {}

  /** A trampoline of type `key` for `target`; put it in the slot (the caller does). */
  take(key: string, target: TrampolineTarget): { readonly id: number; readonly fn: WebAssembly.ExportValue } {
    let free = this.free.get(key);
    if (free === undefined || free.length === 0) free = this.grow(key);
    const id = free.pop()!;
    this.targets[id] = target;
    return { id, fn: this.functions[id] as WebAssembly.ExportValue };
  }

  /** Makes sure `count` trampolines of type `key` can be taken without making more (this may fail: the engine refuses). */
  reserve(key: string, count: number): void {
    let free = this.free.get(key)?.length ?? 0;
    while (free < count) free = this.grow(key).length;
  }

  /** The function of a trampoline taken before. */
  functionOf(id: number): WebAssembly.ExportValue {
    return this.functions[id] as WebAssembly.ExportValue;
  }

  /** Gives a trampoline back (its slot no longer holds it). */
  give(id: number): void {
    if (this.targets[id] === null) return;
    this.targets[id] = null;
    this.free.get(this.keys[id]!)!.push(id);
  }

  /** One more pool of type `key`: its trampolines join the free list. */
  private grow(key: string): number[] {
    const base = this.functions.length;
    const go = (k: number, ...args: unknown[]): unknown => this.call(base + k, args);
    const { exports } = new WebAssembly.Instance(poolModule(key), { t: { go } });
    const free = this.free.get(key) ?? [];
    this.free.set(key, free);
    for (let k = 0; k < POOL; k++) {
      this.functions.push(exports[String(k)] as Fn);
      this.keys.push(key);
      this.targets.push(null);
    }
    // Taken from the end: the lowest ids first.
    for (let k = POOL - 1; k >= 0; k--) free.push(base + k);
    return free;
  }

  private call(id: number, args: unknown[]): unknown {
    const target = this.targets[id];
    if (target === null || target === undefined)
      throw new DlError('DL_NOT_LOADED', 'a call reached a table slot whose library this thread has dropped');
    this.arrive(target);
    const fn = this.table.get(target.slot) as Fn | null;
    if (fn === null || fn === this.functions[id])
      throw new DlError(
        'DL_NOT_LOADED',
        `table slot ${target.slot} holds no function after its library was instantiated`,
      );
    return fn(...args);
  }
}
