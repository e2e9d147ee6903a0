/** Test support: an HTTP server over the fixture corpus. Not exported by the package. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fixturesDir } from '@dl/fixtures';
import { startServer } from '@dl/browser';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { moduleHeadLength } from '@dl/reader';
import type { RouteMap, RouteValue, TestServer } from '@dl/browser';

/** Every file under a directory, by its path relative to it. */
export function filesUnder(dir: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), new Uint8Array(readFileSync(p)));
    }
  };
  walk(dir);
  return out;
}

/** The clang-16 side modules, rpath tree included. */
export const clangFiles: ReadonlyMap<string, Uint8Array> = filesUnder(join(fixturesDir, 'clang16'));

/**
 * Serves the clang fixtures under `/lib/` as `application/wasm` with an ETag (unless
 * `plain`), plus any extra routes (which win).
 */
export function fixtureServer(extra: RouteMap = {}, plain = false): Promise<TestServer> {
  const routes: Record<string, RouteValue> = {};
  for (const [path, bytes] of clangFiles) {
    routes[`/lib/${path}`] = plain
      ? { bytes, contentType: 'application/octet-stream' }
      : { bytes, headers: { ETag: `"${path}-${bytes.length}"` } };
  }
  return startServer({ ...routes, ...extra });
}

const libA = clangFiles.get('libneed_a.so')!;
const headOfA = moduleHeadLength(libA)!;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Resolves when the client has gone away (the server's loops below stop then, or at their bound). */
export const closed = (req: IncomingMessage): Promise<void> =>
  new Promise((r) => {
    req.on('close', r);
  });

/** Misbehaving servers, each bounded: they stop when the client goes or after a fixed amount. */
export const misbehaving = {
  /** Never sends headers. */
  silent: (req: IncomingMessage): Promise<void> => closed(req),
  /** Sends the head (so the library is found), then nothing more. */
  stalls: async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.writeHead(200, { 'Content-Type': 'application/wasm' });
    res.write(libA.subarray(0, headOfA + 1));
    await closed(req);
  },
  /** Sends the head, then one byte every 20 ms (at most 1,000). */
  trickles: async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.writeHead(200, { 'Content-Type': 'application/wasm' });
    res.write(libA.subarray(0, headOfA + 1));
    for (let i = 0; i < 1000 && !res.destroyed; i++) {
      await sleep(20);
      res.write(new Uint8Array(1));
    }
    res.end();
  },
  /** Sends the head, then zeros as fast as the client reads (at most 64 MiB). */
  endless: async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.write(libA.subarray(0, headOfA + 1));
    const zeros = new Uint8Array(64 * 1024);
    for (let sent = 0; sent < 64 * 1024 * 1024 && !res.destroyed; sent += zeros.length) {
      if (!res.write(zeros)) {
        await new Promise<void>((r) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            r();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    res.end();
  },
  /** Announces 4,000,000,000 bytes, sends the head, then waits. */
  huge: async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.writeHead(200, { 'Content-Type': 'application/wasm', 'Content-Length': '4000000000' });
    res.write(libA.subarray(0, headOfA + 1));
    await closed(req);
  },
};
