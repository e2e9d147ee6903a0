/** What loaders report while they work (pass `onProgress` to a loader). */
export type LoaderEvent =
  /** A library was found and reading it starts; `total` is its size when known. */
  | { readonly type: 'start'; readonly name: string; readonly location: string; readonly total: number | null }
  /** Its head (metadata, NEEDED list) is known after `received` of `total` bytes. */
  | {
      readonly type: 'head';
      readonly name: string;
      readonly location: string;
      readonly received: number;
      readonly total: number | null;
    }
  /** More bytes arrived. */
  | {
      readonly type: 'bytes';
      readonly name: string;
      readonly location: string;
      readonly received: number;
      readonly total: number | null;
    }
  /** Finished: all `bytes` read and compiled, or taken from a cache. */
  | {
      readonly type: 'done';
      readonly name: string;
      readonly location: string;
      readonly bytes: number;
      readonly cached: boolean;
    }
  /** Failed (the load's promise rejects with the error). */
  | { readonly type: 'failed'; readonly name: string; readonly location: string | null; readonly code: string };

/** Counts for a progress bar: libraries and bytes, done of total (totals grow as libraries are found). */
export interface Progress {
  readonly libraries: { readonly done: number; readonly total: number };
  readonly bytes: { readonly done: number; readonly total: number };
}

/**
 * Turns loader events into {@link Progress} snapshots: pass the result as a loader's
 * `onProgress`, get a snapshot after every event.
 */
export function trackProgress(
  listener: (progress: Progress, event: LoaderEvent) => void,
): (event: LoaderEvent) => void {
  const received = new Map<string, number>();
  const totals = new Map<string, number>();
  /** Locations started / finished: a library asked for again (a cycle, another linker) counts once. */
  const seen = new Set<string>();
  const ended = new Set<string>();
  let started = 0;
  let finished = 0;
  let bytesDone = 0;
  let bytesTotal = 0;
  return (event) => {
    const key = event.location ?? event.name;
    if (event.type === 'start') {
      if (seen.has(key)) return;
      seen.add(key);
      started++;
      if (event.total !== null) {
        totals.set(key, event.total);
        bytesTotal += event.total;
      }
    } else if (event.type === 'head' || event.type === 'bytes') {
      bytesDone += event.received - (received.get(key) ?? 0);
      received.set(key, event.received);
    } else if (event.type === 'done') {
      if (ended.has(key)) return;
      ended.add(key);
      finished++;
      bytesDone += event.bytes - (received.get(key) ?? 0);
      received.set(key, event.bytes);
      // A size learned only at the end (no Content-Length) joins the total then.
      if (!totals.has(key)) {
        totals.set(key, event.bytes);
        bytesTotal += event.bytes;
      }
    } else {
      if (ended.has(key)) return;
      ended.add(key);
      finished++;
    }
    listener({ libraries: { done: finished, total: started }, bytes: { done: bytesDone, total: bytesTotal } }, event);
  };
}
