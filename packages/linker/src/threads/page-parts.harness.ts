/**
 * What the thread tests share in Chromium pages (fetching fixtures, asking a worker) and, with
 * no browser-only dependency, in node (`settlesWithin`).
 */

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

/** Asks a worker to `dlopen` a library through its leader: the library's name, or `error: …`. */
export function dlopenOn(w: Worker, name: string): Promise<string> {
  return ask<string>(w, { op: 'dlopen', name }) as Promise<string>;
}

function ask<T = number>(w: Worker, m: Record<string, unknown>): Promise<T | null> {
  return new Promise((resolve) => {
    const id = ++nextId;
    const listener = (e: MessageEvent<{ id?: number; value?: T | null }>): void => {
      if (e.data.id !== id) return;
      w.removeEventListener('message', listener);
      resolve(e.data.value ?? null);
    };
    w.addEventListener('message', listener);
    w.postMessage({ ...m, id });
  });
}

/** Whether `p` settles within `ms` (a group that hangs shows as false, not as a stuck test). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, ms);
  });
  const settled = p.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
