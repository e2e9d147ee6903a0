import { DlError } from '@dl/errors';
import type { PlanStore } from '@dl/linker/plans';

/** Options of {@link indexedDbPlanStore}. */
export interface IndexedDbPlanStoreOptions {
  /** The database's name (default `dl-plans`). */
  readonly name?: string;
  /** The largest plan kept or returned, in bytes (default 32 MiB). */
  readonly maxPlanBytes?: number;
  /** All plans together, in bytes (default 128 MiB): the least recently written go to make room. */
  readonly maxTotalBytes?: number;
  /** `IDBFactory` (default `globalThis.indexedDB`). */
  readonly indexedDB?: IDBFactory;
}

/** A stored plan: its bytes with their size and SHA-256 (checked on every read). */
interface PlanRecord {
  readonly bytes: ArrayBuffer;
  readonly size: number;
  readonly sha256: string;
}

/** What the space accounting keeps per plan (read without reading any plan's bytes). */
interface SizeRecord {
  readonly size: number;
  readonly written: number;
}

const PLANS = 'plans';
const SIZES = 'sizes';
const MiB = 1024 * 1024;

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => {
      resolve(r.result);
    };
    r.onerror = () => {
      reject(r.error ?? new Error('IndexedDB request failed'));
    };
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => {
      resolve();
    };
    tx.onerror = tx.onabort = () => {
      reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    };
  });
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The database, opened once (a failed open is tried again next time; closed when another version wants it). */
function opener(factory: IDBFactory, name: string): () => Promise<IDBDatabase> {
  let opened: Promise<IDBDatabase> | null = null;
  return () => {
    opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const r = factory.open(name, 1);
      r.onupgradeneeded = () => {
        r.result.createObjectStore(PLANS);
        r.result.createObjectStore(SIZES);
      };
      r.onsuccess = () => {
        const db = r.result;
        db.onversionchange = () => {
          db.close();
          opened = null;
        };
        resolve(db);
      };
      r.onerror = () => {
        reject(r.error ?? new Error(`IndexedDB: ${name} does not open`));
      };
      r.onblocked = () => {
        reject(new Error(`IndexedDB: ${name} is held open at another version`));
      };
    });
    opened.catch(() => {
      opened = null;
    });
    return opened;
  };
}

function positive(value: number, option: string): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`indexedDbPlanStore: ${option} must be a positive integer (got ${String(value)})`);
  return value;
}

/** The bytes of a stored record, or DL_PLAN_CORRUPT / DL_LIMIT: never bytes other than those written. */
async function checked(key: string, record: unknown, maxPlanBytes: number): Promise<Uint8Array> {
  const r = record as Partial<PlanRecord> | null;
  const corrupt = (why: string): DlError => new DlError('DL_PLAN_CORRUPT', `link plan "${key}" in IndexedDB: ${why}`);
  if (typeof r !== 'object' || r === null || !(r.bytes instanceof ArrayBuffer))
    throw corrupt('the record holds no plan bytes');
  if (typeof r.size !== 'number' || r.size !== r.bytes.byteLength || typeof r.sha256 !== 'string')
    throw corrupt('its size or hash is missing or does not match its bytes');
  if (r.size > maxPlanBytes)
    throw new DlError(
      'DL_LIMIT',
      `link plan "${key}" in IndexedDB is ${r.size} bytes, over maxPlanBytes (${maxPlanBytes})`,
    );
  const bytes = new Uint8Array(r.bytes);
  if ((await sha256(bytes)) !== r.sha256) throw corrupt('its bytes do not match their SHA-256');
  return bytes;
}

/** The keys to evict (least recently written first) so that `size` more bytes fit under `max`. */
function evictions(
  keys: readonly IDBValidKey[],
  sizes: readonly SizeRecord[],
  key: string,
  size: number,
  max: number,
): IDBValidKey[] {
  const others = keys
    .map((k, i) => ({ k, s: sizes[i]! }))
    .filter((e) => e.k !== key)
    .sort((a, b) => a.s.written - b.s.written);
  let total = others.reduce((sum, e) => sum + (typeof e.s.size === 'number' ? e.s.size : 0), 0) + size;
  const out: IDBValidKey[] = [];
  for (const e of others) {
    if (total <= max) break;
    out.push(e.k);
    total -= typeof e.s.size === 'number' ? e.s.size : 0;
  }
  return out;
}

/**
 * A link-plan store (`PlanStore` of `@dl/linker`) on the browser's IndexedDB: each plan kept as
 * bytes with its size and SHA-256, so a returning visitor's page replays the link its first
 * visit recorded (`linkWithPlan(linker, sources, flags, { store, key })`). Bounded: a plan over
 * `maxPlanBytes` is refused, and the least recently written plans are dropped to keep all of
 * them under `maxTotalBytes`. A record that is not what was written (its bytes, size or hash
 * differ) reads as `DL_PLAN_CORRUPT`, one over the cap as `DL_LIMIT`; `linkWithPlan` then drops
 * it and links normally — never a wrong link.
 *
 * @throws RangeError for a cap that is not a positive integer, or `maxPlanBytes` over `maxTotalBytes`;
 *   TypeError when there is no IndexedDB
 */
export function indexedDbPlanStore(options: IndexedDbPlanStoreOptions = {}): PlanStore {
  const maxPlanBytes = positive(options.maxPlanBytes ?? 32 * MiB, 'maxPlanBytes');
  const maxTotalBytes = positive(options.maxTotalBytes ?? 128 * MiB, 'maxTotalBytes');
  if (maxPlanBytes > maxTotalBytes)
    throw new RangeError(`indexedDbPlanStore: maxPlanBytes (${maxPlanBytes}) is over maxTotalBytes (${maxTotalBytes})`);
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined) throw new TypeError('indexedDbPlanStore needs IndexedDB (globalThis.indexedDB)');
  const open = opener(factory, options.name ?? 'dl-plans');
  return {
    async get(key) {
      const tx = (await open()).transaction(PLANS, 'readonly');
      const record = await request<unknown>(tx.objectStore(PLANS).get(key));
      return record === undefined ? undefined : checked(key, record, maxPlanBytes);
    },
    async put(key, bytes) {
      if (bytes.length > maxPlanBytes)
        throw new DlError(
          'DL_LIMIT',
          `link plan "${key}" is ${bytes.length} bytes, over maxPlanBytes (${maxPlanBytes})`,
        );
      const copy = bytes.slice();
      const record: PlanRecord = { bytes: copy.buffer, size: copy.length, sha256: await sha256(copy) };
      const tx = (await open()).transaction([PLANS, SIZES], 'readwrite');
      const finished = done(tx);
      const sizes = tx.objectStore(SIZES);
      const [keys, values] = await Promise.all([request(sizes.getAllKeys()), request(sizes.getAll())]);
      for (const k of evictions(keys, values as SizeRecord[], key, bytes.length, maxTotalBytes)) {
        tx.objectStore(PLANS).delete(k);
        sizes.delete(k);
      }
      tx.objectStore(PLANS).put(record, key);
      sizes.put({ size: bytes.length, written: Date.now() } satisfies SizeRecord, key);
      await finished;
    },
    async delete(key) {
      const tx = (await open()).transaction([PLANS, SIZES], 'readwrite');
      const finished = done(tx);
      tx.objectStore(PLANS).delete(key);
      tx.objectStore(SIZES).delete(key);
      await finished;
    },
  };
}
