// A tiny HTTP server for browser tests: fixed routes (files, bytes, text, handlers) and a request log.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** Custom behaviour for one path: write the whole response (status, headers, body) yourself. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** What a route serves: exactly one of a file on disk, bytes, text, or a handler. */
export type RouteSource =
  | { readonly file: string | URL }
  | { readonly bytes: Uint8Array }
  | { readonly text: string }
  | { readonly handler: RouteHandler };

/** Response settings of a route (ignored by handlers except `headers`, which are set before the call). */
export interface RouteOptions {
  /** Overrides the content type derived from the path (see {@link contentTypeFor}). */
  readonly contentType?: string;
  /** Extra response headers, e.g. `ETag` or `Cache-Control`. None are sent by default. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Status code; 200 by default. */
  readonly status?: number;
}

/** One route of {@link startServer}'s array form. */
export type Route = RouteSource & RouteOptions & { readonly path: string };

/** A route value in {@link startServer}'s map form: a string is a text body, a function a handler. */
export type RouteValue = string | Uint8Array | RouteHandler | (RouteSource & RouteOptions);

/** {@link startServer}'s map form: URL path (without query) → what it serves. */
export type RouteMap = Readonly<Record<string, RouteValue>>;

/** One request as the server saw it. Times are ms since the epoch (fractional, comparable across processes). */
export interface RequestLog {
  readonly method: string;
  /** The URL path without the query string. */
  readonly path: string;
  /** The raw request target, query included. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Status code sent (0 while no head has been sent). */
  status: number;
  readonly start: number;
  /** When the response finished or the connection closed; undefined while in flight. */
  end?: number;
  /** False when the connection closed before the response was complete (cut short or aborted). */
  completed?: boolean;
}

/** Options for {@link startServer}. */
export interface ServerOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
}

/** A running server from {@link startServer}. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  /** Every request so far, in arrival order, including 404s and the harness page. */
  readonly log: RequestLog[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** The page {@link runInPage} loads; served by every server unless a route claims the path. */
export const BLANK_PAGE_PATH = '/__dl/blank.html';
const BLANK_PAGE = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>@dl/browser</title>\n';

const TYPES: Readonly<Record<string, string>> = {
  '.wasm': 'application/wasm',
  '.so': 'application/wasm',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The default content type for a path by extension: `.wasm`/`.so` → `application/wasm`,
 * `.js`/`.mjs` → `text/javascript`, `.html` → `text/html`, … and undefined when unknown.
 */
export function contentTypeFor(path: string): string | undefined {
  return TYPES[extname(path).toLowerCase()];
}

/**
 * Starts an HTTP server on 127.0.0.1 (a free port by default) serving `routes`; any other path
 * gets a 404. Static routes send `Content-Length` and no caching headers unless the route sets
 * them. Content type: the route's `contentType`, else by the extension of the URL path, else of
 * the file; for text without either, `text/html` when it starts with `<`, else `text/plain`; for
 * bytes `application/octet-stream`. Files are read on every request (edits show up).
 */
export async function startServer(
  routes: readonly Route[] | RouteMap,
  options: ServerOptions = {},
): Promise<TestServer> {
  const table = routeTable(routes);
  const log: RequestLog[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const entry: RequestLog = {
      method: req.method ?? 'GET',
      path: pathOf(url),
      url,
      headers: req.headers,
      status: 0,
      start: now(),
    };
    log.push(entry);
    res.on('close', () => {
      entry.status = res.headersSent ? res.statusCode : 0;
      entry.end = now();
      entry.completed = res.writableFinished;
    });
    serve(table, entry.path, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(
          `@dl/browser route ${entry.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      } else {
        res.destroy(error instanceof Error ? error : undefined);
      }
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => {
          if (error) fail(error);
          else done();
        });
        server.closeAllConnections();
      }),
  };
}

/** Options for {@link sendInChunks}. */
export interface ChunkOptions {
  /** Byte offsets where the body is split, ascending; `[100]` sends bytes 0–99, then the rest. */
  readonly splitAt: readonly number[];
  /** Pause between pieces, in ms; the pause is at least this long (measured, not just one timer). */
  readonly delayMs: number;
  /** Content type; by default the one already set on `res`, else `application/octet-stream`. */
  readonly contentType?: string;
  /** Use `Transfer-Encoding: chunked` instead of `Content-Length`. */
  readonly chunked?: boolean;
  /** Status code, 200 by default. */
  readonly status?: number;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Send only this many pieces, then destroy the connection: the client sees a body cut short
   * (with `Content-Length`, fewer bytes than announced).
   */
  readonly abortAfterPieces?: number;
}

/**
 * Writes `bytes` in pieces split at `splitAt`, waiting `delayMs` between pieces, so a test can
 * prove the client consumes the first bytes before the rest exist. The head is flushed with the
 * first piece. Resolves to the time (ms since the epoch) each piece was handed to the socket;
 * stops early if the client goes away.
 */
export async function sendInChunks(res: ServerResponse, bytes: Uint8Array, options: ChunkOptions): Promise<number[]> {
  const cuts = [0, ...options.splitAt.filter((at) => at > 0 && at < bytes.length), bytes.length];
  const pieces = cuts.slice(1).map((end, i) => bytes.subarray(cuts[i], end));
  const type =
    options.contentType ?? (res.getHeader('Content-Type') as string | undefined) ?? 'application/octet-stream';
  const head: Record<string, string> = { ...options.headers, 'Content-Type': type };
  if (options.chunked === true) head['Transfer-Encoding'] = 'chunked';
  else head['Content-Length'] = String(bytes.length);
  res.writeHead(options.status ?? 200, head);
  res.flushHeaders();
  const times: number[] = [];
  const limit = options.abortAfterPieces ?? pieces.length;
  const gone = (): boolean => res.destroyed;
  for (const [i, piece] of pieces.entries()) {
    if (i >= limit || gone()) break;
    if (i > 0) await sleep(options.delayMs);
    if (gone()) break;
    times.push(now());
    // Wait until the piece is handed to the socket, so a later destroy() cannot drop it.
    await new Promise<void>((written) => {
      res.write(piece, () => {
        written();
      });
    });
  }
  if (limit < pieces.length) res.destroy();
  else if (!gone()) await new Promise<void>((done) => res.end(done));
  return times;
}

type Resolved = RouteSource & RouteOptions;

function routeTable(routes: readonly Route[] | RouteMap): Map<string, Resolved> {
  const table = new Map<string, Resolved>();
  const add = (path: string, route: Resolved): void => {
    if (!path.startsWith('/')) throw new Error(`@dl/browser route path must start with "/": ${JSON.stringify(path)}`);
    if (table.has(path)) throw new Error(`@dl/browser route defined twice: ${path}`);
    table.set(path, route);
  };
  if (Array.isArray(routes)) {
    for (const { path, ...route } of routes as readonly Route[]) add(path, route);
  } else {
    for (const [path, value] of Object.entries(routes as RouteMap)) add(path, normalize(value));
  }
  if (!table.has(BLANK_PAGE_PATH)) table.set(BLANK_PAGE_PATH, { text: BLANK_PAGE });
  return table;
}

function normalize(value: RouteValue): Resolved {
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'function') return { handler: value };
  if (value instanceof Uint8Array) return { bytes: value };
  return value;
}

async function serve(
  table: ReadonlyMap<string, Resolved>,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const route = table.get(path);
  if (route === undefined) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`404: no route for ${path}\n`);
    return;
  }
  for (const [name, value] of Object.entries(route.headers ?? {})) res.setHeader(name, value);
  if ('handler' in route) {
    if (route.contentType !== undefined) res.setHeader('Content-Type', route.contentType);
    await route.handler(req, res);
    return;
  }
  let body: Uint8Array;
  let type = route.contentType ?? contentTypeFor(path);
  if ('file' in route) {
    const file = route.file instanceof URL ? fileURLToPath(route.file) : route.file;
    body = await readFile(file);
    type ??= contentTypeFor(file) ?? 'application/octet-stream';
  } else if ('bytes' in route) {
    body = route.bytes;
    type ??= 'application/octet-stream';
  } else {
    body = Buffer.from(route.text);
    type ??= route.text.trimStart().startsWith('<') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
  }
  res.writeHead(route.status ?? 200, { 'Content-Type': type, 'Content-Length': String(body.byteLength) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** Wall-clock ms with sub-ms precision. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Waits at least `ms` by the monotonic clock (a lone timer may fire up to 1 ms early). */
async function sleep(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    await new Promise((wake) => setTimeout(wake, Math.max(1, Math.ceil(until - performance.now()))));
  }
}
