import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DlError, messageOf } from '@dl/errors';
import type { DlErrorCode } from '@dl/errors';
import type { CliIo } from './io.js';

/**
 * The most `dl` reads of one file (256 MiB): real side modules are a few MiB (tree-sitter's
 * largest grammar: 3.6 MiB), and a cap keeps a huge or endless file from eating the memory.
 */
export const MAX_FILE_BYTES: number = 256 * 1024 * 1024;

/**
 * Node file-system errors → DlError code and wording: the words of `@dl/loaders`' `fsLoader`
 * (and so of `dl ldd`), so one input gets one code and one reason whichever command reads it.
 */
const fsErrors: Readonly<Record<string, readonly [DlErrorCode, string]>> = {
  ENOENT: ['DL_NOT_FOUND', 'not found'],
  ENOTDIR: ['DL_NOT_FOUND', 'not found (a component of the path is not a directory)'],
  EISDIR: ['DL_NOT_FOUND', 'not a file (a directory)'],
  EACCES: ['DL_NOT_FOUND', 'permission denied'],
  EPERM: ['DL_NOT_FOUND', 'permission denied'],
  ELOOP: ['DL_NOT_FOUND', 'symbolic link loop'],
};

function errnoCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : '';
}

/** What a path is, when it is not a regular file. */
function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a named pipe';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function refuseUnlessRegular(path: string, s: Stats, maxBytes: number): void {
  if (!s.isFile()) throw new DlError('DL_NOT_FOUND', `not a file (${kindOf(s)})`, { library: path });
  if (s.size > maxBytes)
    throw new DlError('DL_LIMIT', `the file is ${s.size} bytes, more than the ${maxBytes} bytes dl reads`, {
      library: path,
    });
}

/** Reads an open regular file to its end, refusing one that grows past the cap meanwhile. */
async function readCapped(path: string, file: FileHandle, size: number, maxBytes: number): Promise<Uint8Array> {
  let buffer = new Uint8Array(Math.min(size + 1, maxBytes + 1));
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      if (buffer.length > maxBytes)
        throw new DlError('DL_LIMIT', `the file grew past the ${maxBytes} bytes dl reads`, { library: path });
      const grown = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1));
      grown.set(buffer);
      buffer = grown;
    }
    const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) return buffer.subarray(0, filled);
    filled += bytesRead;
  }
}

/**
 * Reads a file, mapping node errors to DlErrors that name the file. Only regular files are
 * read — a directory, FIFO, device or socket is refused before it is opened (and checked again
 * once open, without blocking) — and at most `maxBytes` of them (`DL_LIMIT` beyond).
 */
export async function readFileAsBytes(path: string, maxBytes: number = MAX_FILE_BYTES): Promise<Uint8Array> {
  let file: FileHandle | null = null;
  try {
    refuseUnlessRegular(path, await stat(path), maxBytes);
    // O_NONBLOCK: a path swapped for a FIFO after the check must not block the open.
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const s = await file.stat();
    refuseUnlessRegular(path, s, maxBytes);
    return await readCapped(path, file, s.size, maxBytes);
  } catch (e) {
    if (e instanceof DlError) throw e;
    const [code, detail] = fsErrors[errnoCode(e)] ?? ['DL_IO', messageOf(e)];
    throw new DlError(code, detail, { library: path, cause: e });
  } finally {
    await file?.close();
  }
}

/** The real process: stdout, stderr and the file system. */
export const nodeIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: readFileAsBytes,
};
