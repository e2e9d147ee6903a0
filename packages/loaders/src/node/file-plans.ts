import type { BigIntStats } from 'node:fs';
import { DlError, messageOf } from '@dl/errors';
import type { LoadRequest } from '@dl/linker';
import { moduleHeadLength } from '@dl/reader';
import type { Tried } from '../errors.js';
import type { Candidate } from '../search.js';
import { searchPlan } from '../search-loader.js';
import type { Probed } from '../search-loader.js';
import { asCount, asStats, asString } from './file-ops.js';
import type { FilePlan } from './file-ops.js';

/** A file found for a request. */
export interface Found {
  readonly candidate: Candidate;
  /** Canonical path: symbolic links resolved. */
  readonly path: string;
  readonly stat: BigIntStats;
  /** The candidates tried before it. */
  readonly tried: readonly Tried[];
}

/** A file's identity and modification: what a cache key and a change check compare. */
export const identity = (s: BigIntStats): string => `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;

function reasonOf(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'symbolic link loop';
  return messageOf(e);
}

/** One candidate: its real path, when a file there (inside the roots, when confined), or why not. */
function* probeFile(
  candidate: Candidate,
  confine: ((path: string) => string | null) | null,
): FilePlan<Probed<{ path: string; stat: BigIntStats }>> {
  try {
    const path = asString(yield { op: 'realpath', path: candidate.location });
    // Checked on the real path: no symbolic link or `..` leads out.
    const refused = confine?.(path) ?? null;
    if (refused !== null) return { missing: refused };
    const stat = asStats(yield { op: 'stat', path });
    return stat.isFile() ? { found: { path, stat } } : { missing: 'not a file' };
  } catch (e) {
    return { missing: reasonOf(e) };
  }
}

/** The first candidate that is a file (inside the roots, when confined), or DL_NOT_FOUND listing every place tried. */
export function* locatePlan(
  request: LoadRequest,
  candidates: readonly Candidate[],
  confine: ((path: string) => string | null) | null = null,
): FilePlan<Found> {
  const search = searchPlan<{ path: string; stat: BigIntStats }>(request, candidates);
  let step = search.next();
  while (step.done !== true) step = search.next(yield* probeFile(step.value, confine));
  const { found, candidate, tried } = step.value;
  return { candidate, path: found.path, stat: found.stat, tried };
}

function changed(request: LoadRequest, found: Found, now: BigIntStats, when: string): DlError {
  return new DlError(
    'DL_CHANGED',
    `${found.path} changed ${when} (size ${found.stat.size} → ${now.size} bytes, modified ${found.stat.mtimeMs} → ${now.mtimeMs})`,
    { library: request.name },
  );
}

/** Reads a whole file, refusing one that is no longer the file located or that changes meanwhile. */
export function* readWholePlan(request: LoadRequest, found: Found): FilePlan<Uint8Array<ArrayBuffer>> {
  yield { op: 'open', path: found.path };
  const before = asStats(yield { op: 'fstat' });
  if (identity(before) !== identity(found.stat))
    throw changed(request, found, before, 'between being found and being read');
  const bytes = new Uint8Array(Number(before.size));
  for (let at = 0; at < bytes.length;) {
    const n = asCount(yield { op: 'read', buffer: bytes, from: at, to: bytes.length });
    if (n === 0) throw changed(request, found, asStats(yield { op: 'fstat' }), 'while being read (it ended early)');
    at += n;
  }
  const after = asStats(yield { op: 'fstat' });
  if (identity(after) !== identity(before)) throw changed(request, found, after, 'while being read');
  yield { op: 'close' };
  return bytes;
}

/** First read of a head; doubled until the head is complete (most fit in the first). */
const FIRST_READ = 64 * 1024;

/** Reads only a file's head (the bytes before its code section). */
export function* readHeadPlan(request: LoadRequest, found: Found): FilePlan<Uint8Array> {
  yield { op: 'open', path: found.path };
  const size = Number(asStats(yield { op: 'fstat' }).size);
  let buffer = new Uint8Array(Math.min(size, FIRST_READ));
  let filled = 0;
  for (;;) {
    while (filled < buffer.length) {
      const n = asCount(yield { op: 'read', buffer, from: filled, to: buffer.length });
      if (n === 0) throw changed(request, found, asStats(yield { op: 'fstat' }), 'while being read (it ended early)');
      filled += n;
    }
    const length = moduleHeadLength(buffer, { name: request.name, complete: filled === size });
    if (length !== null) {
      yield { op: 'close' };
      return buffer.slice(0, length);
    }
    const grown = new Uint8Array(Math.min(size, filled * 2));
    grown.set(buffer);
    buffer = grown;
  }
}
