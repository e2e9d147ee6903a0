/** What the Chromium thread pages (threads-page, threads-stress-page) share: fetching fixtures, asking a worker. */

/** A fixture's bytes, served by the test server under `/lib/`. */
export async function bytes(name: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(`/lib/${name}`)).arrayBuffer());
}

let nextId = 0;

/** Asks a worker (follow-web-worker.harness) to call a function; its result, or null when it has none. */
export function callOn(w: Worker, name: string, args: number[]): Promise<number | null> {
  return ask(w, { op: 'call', name, args });
}

/** Asks a worker to block in `Atomics.wait` on `lock`; resolves once it is about to. */
export function blockOn(w: Worker, lock: SharedArrayBuffer): Promise<number | null> {
  return ask(w, { op: 'block', lock });
}

function ask(w: Worker, m: Record<string, unknown>): Promise<number | null> {
  return new Promise((resolve) => {
    const id = ++nextId;
    const listener = (e: MessageEvent<{ id?: number; value?: number | null }>): void => {
      if (e.data.id !== id) return;
      w.removeEventListener('message', listener);
      resolve(e.data.value ?? null);
    };
    w.addEventListener('message', listener);
    w.postMessage({ ...m, id });
  });
}
