import { DlError } from '@dl/errors';
import type { ClassifiedImport } from '@dl/reader';
import { ByteReader } from '@dl/reader/bytes';
import type { ExportLike } from '@dl/symbols';
import { sleb, uleb } from '../wasm-encoder.js';

/**
 * The bulk of a plan (format version 3): every library's imports, exports and bindings — tens
 * of thousands of small records (the bench set of 500 libraries has 14,500 imports and 41,500
 * exports) — as unsigned LEB128 numbers after a table of every distinct name. In JSON they were
 * most of a replay's decoding: `JSON.parse` of that set's 2.9 MB plan took 75–100 ms.
 *
 * - names: count, each one's length (UTF-16 code units), then their UTF-8 bytes' length and
 *   the bytes of them all, one after another;
 * - per library, in plan order: its imports (count; each `name, type + 2, shape`), its exports
 *   (count; each `kind, name, type + 2, form`, then per form: nothing; `index`; `index,
 *   value` (s32) of an `i32.const` initialiser; an index into the header's `extras`, for any
 *   other export, written as JSON), its bindings (count; each a name).
 *
 * Types (`-1` none, `-2` not typed) and import shapes (an import with its name and type set to 0)
 * are indices into tables of the header, as in version 2.
 */

/** Export kinds by code. */
const KINDS = ['function', 'table', 'memory', 'global', 'tag'] as const;

/** What follows an export's kind, name and type. */
const Form = { Bare: 0, Index: 1, IndexI32: 2, Extra: 3 } as const;

/** What the header holds for the bulk: its tables. */
export interface BulkTables {
  readonly types: readonly unknown[];
  readonly shapes: readonly Readonly<Record<string, unknown>>[];
  /** Exports of no compact form: `[kind, name, type, rest]` minus what the bulk has, i.e. `rest` (JSON; an i64 as `{"$i64": "…"}`). */
  readonly extras: readonly unknown[];
}

/** One library's part of the bulk. */
export interface BulkLibrary {
  readonly imports: readonly ClassifiedImport[];
  readonly exports: readonly ExportLike[];
  readonly bindings: readonly string[];
}

/** An i64 constant as the header writes it. */
function isI64(v: unknown): v is { $i64: string } {
  return typeof v === 'object' && v !== null && typeof (v as { $i64?: unknown }).$i64 === 'string';
}

/** Interns values by their JSON (types, import shapes). */
class Interned<T> {
  readonly list: T[] = [];
  private readonly index = new Map<string, number>();
  of(value: T): number {
    const key = JSON.stringify(value);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.list.push(value) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

/** Writes libraries' bulk; `tables()` and `bytes()` once every library is added. */
export class BulkWriter {
  private readonly names = new Map<string, number>();
  private readonly body: number[] = [];
  private readonly types = new Interned<unknown>();
  private readonly shapes = new Interned<Record<string, unknown>>();
  private readonly extras: unknown[] = [];

  private nameOf(text: string): number {
    let i = this.names.get(text);
    if (i === undefined) this.names.set(text, (i = this.names.size));
    return i;
  }

  private typeOf(type: unknown): number {
    return type === null || type === undefined ? 1 : this.types.of(type) + 2;
  }

  private addImport(i: ClassifiedImport): void {
    const shape: Record<string, unknown> = { ...i, name: 0 };
    const typed = 'type' in shape;
    if (typed) shape.type = 0;
    uleb(this.nameOf(i.name), this.body);
    uleb(typed ? this.typeOf((i as { type?: unknown }).type) : 0, this.body);
    uleb(this.shapes.of(shape), this.body);
  }

  private addExport(e: ExportLike): void {
    const { kind, name, ...rest } = e as ExportLike & { type?: unknown; index?: unknown; init?: unknown };
    const { type, ...other } = rest;
    uleb(KINDS.indexOf(kind), this.body);
    uleb(this.nameOf(name), this.body);
    uleb(this.typeOf(type), this.body);
    const keys = Object.keys(other);
    const init = other.init as { op?: unknown; value?: unknown } | undefined;
    if (keys.length === 0) uleb(Form.Bare, this.body);
    else if (keys.length === 1 && typeof other.index === 'number') {
      uleb(Form.Index, this.body);
      uleb(other.index, this.body);
    } else if (
      keys.length === 2 &&
      typeof other.index === 'number' &&
      init?.op === 'i32.const' &&
      Object.keys(init).length === 2 &&
      Number.isInteger(init.value) &&
      (init.value as number) === ((init.value as number) | 0)
    ) {
      uleb(Form.IndexI32, this.body);
      uleb(other.index, this.body);
      sleb(init.value as number, this.body);
    } else {
      uleb(Form.Extra, this.body);
      const value = init?.value;
      const stored =
        typeof value === 'bigint' ? { ...other, init: { ...init, value: { $i64: value.toString() } } } : other;
      uleb(this.extras.push(stored) - 1, this.body);
    }
  }

  add(lib: BulkLibrary): void {
    uleb(lib.imports.length, this.body);
    for (const i of lib.imports) this.addImport(i);
    uleb(lib.exports.length, this.body);
    for (const e of lib.exports) this.addExport(e);
    uleb(lib.bindings.length, this.body);
    for (const b of lib.bindings) uleb(this.nameOf(b), this.body);
  }

  tables(): BulkTables {
    return { types: this.types.list, shapes: this.shapes.list, extras: this.extras };
  }

  bytes(): Uint8Array {
    // The names: their count, each one's length in UTF-16 code units, then all of them as one
    // UTF-8 run — decoded by one TextDecoder call and cut by those lengths.
    const head: number[] = [];
    uleb(this.names.size, head);
    for (const text of this.names.keys()) uleb(text.length, head);
    const text = new TextEncoder().encode([...this.names.keys()].join(''));
    uleb(text.length, head);
    const out = new Uint8Array(head.length + text.length + this.body.length);
    out.set(head);
    out.set(text, head.length);
    out.set(this.body, head.length + text.length);
    return out;
  }
}

/** Reads the bulk back, library by library (`library()` in plan order, then `end()`). */
export class BulkReader {
  private readonly r: ByteReader;
  private readonly names: string[];

  /**
   * @param bytes - the bulk
   * @param tables - the header's tables
   * @param base - the bulk's offset in the plan's bytes (for errors)
   */
  constructor(
    bytes: Uint8Array,
    private readonly tables: BulkTables,
    base: number,
  ) {
    this.r = new ByteReader(bytes, { base });
    this.names = this.readNames();
  }

  private readNames(): string[] {
    const names = new Array<string>(this.r.count('plan name count', 1));
    const lengths = new Array<number>(names.length);
    for (let i = 0; i < names.length; i++) lengths[i] = this.r.u32('plan name length');
    const at = this.r.position;
    const size = this.r.u32('plan names size');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(this.r.bytesView(size, 'plan names'));
    } catch {
      return this.corrupt('its names are not UTF-8', at);
    }
    let p = 0;
    for (let i = 0; i < names.length; i++) names[i] = text.slice(p, (p += lengths[i]!));
    if (p !== text.length) this.corrupt(`its names are ${text.length} characters, not ${p}`, at);
    return names;
  }

  private corrupt(what: string, at: number): never {
    throw new DlError('DL_PLAN_CORRUPT', `link plan: ${what}`, { offset: at + this.r.base });
  }

  /** An index read here, checked against the length of what it indexes. */
  private index(length: number, what: string): number {
    const at = this.r.position;
    const i = this.r.u32(what);
    return i < length ? i : this.corrupt(`${what} ${i} is out of range (${length})`, at);
  }

  private name(): string {
    return this.names[this.index(this.names.length, 'name index')]!;
  }

  /** A type: `null` for none (1), the table's entry otherwise (0, not typed, is never asked for here). */
  private type(): unknown {
    const t = this.index(this.tables.types.length + 2, 'type index');
    return t === 1 ? null : this.tables.types[t - 2];
  }

  private readImport(): ClassifiedImport {
    const name = this.name();
    const at = this.r.position;
    const typeCode = this.index(this.tables.types.length + 2, 'type index');
    const out: Record<string, unknown> = {
      ...this.tables.shapes[this.index(this.tables.shapes.length, 'import shape')],
    };
    out.name = name;
    if ('type' in out) {
      if (typeCode === 0) this.corrupt('a typed import without its type', at);
      out.type = typeCode === 1 ? null : this.tables.types[typeCode - 2];
    }
    return out as unknown as ClassifiedImport;
  }

  private readExport(): ExportLike {
    const kind = KINDS[this.index(KINDS.length, 'export kind')]!;
    const out: Record<string, unknown> = { kind, name: this.name() };
    const type = this.type();
    if (kind === 'function' || kind === 'global') out.type = type;
    const at = this.r.position;
    const form = this.r.u32('export form');
    if (form === Form.Index || form === Form.IndexI32) out.index = this.r.u32('export index');
    if (form === Form.IndexI32) out.init = { op: 'i32.const', value: this.r.signed(32, 'i32.const') };
    else if (form === Form.Extra) {
      const extra = this.tables.extras[this.index(this.tables.extras.length, 'export extra')];
      if (typeof extra !== 'object' || extra === null) this.corrupt('an export’s extra fields are not an object', at);
      for (const [k, v] of Object.entries(extra)) out[k] = v;
      const init = out.init as { op: string; value?: unknown } | null | undefined;
      const v: unknown = init?.value;
      if (isI64(v)) out.init = { ...init!, value: BigInt(v.$i64) };
    } else if (form > Form.Extra) this.corrupt(`export form ${form}`, at);
    return out as unknown as ExportLike;
  }

  /** The next library's imports, exports and bindings. */
  library(): BulkLibrary {
    const imports = new Array<ClassifiedImport>(this.r.count('import count', 3));
    for (let i = 0; i < imports.length; i++) imports[i] = this.readImport();
    const exports = new Array<ExportLike>(this.r.count('export count', 4));
    for (let i = 0; i < exports.length; i++) exports[i] = this.readExport();
    const bindings = new Array<string>(this.r.count('binding count', 1));
    for (let i = 0; i < bindings.length; i++) bindings[i] = this.name();
    return { imports, exports, bindings };
  }

  /** Checks that every byte was read. */
  end(): void {
    if (!this.r.atEnd) this.corrupt(`${this.r.remaining} bytes after the last library`, this.r.position);
  }
}
