import { readFile } from 'node:fs/promises';
import { DlError } from '@dl/errors';
import type { DlErrorCode } from '@dl/errors';
import type { CliIo } from './io.js';

/** Node file-system errors → DlError code and wording. */
const fsErrors: Readonly<Record<string, readonly [DlErrorCode, string]>> = {
  ENOENT: ['DL_NOT_FOUND', 'no such file'],
  ENOTDIR: ['DL_NOT_FOUND', 'a component of the path is not a directory'],
  EISDIR: ['DL_IO', 'is a directory, not a file'],
  EACCES: ['DL_IO', 'permission denied'],
  EPERM: ['DL_IO', 'operation not permitted'],
};

function errnoCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : '';
}

/** Reads a file, mapping node errors to DlErrors that name the file. */
export async function readFileAsBytes(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (e) {
    const [code, detail] = fsErrors[errnoCode(e)] ?? ['DL_IO', e instanceof Error ? e.message : String(e)];
    throw new DlError(code, detail, { library: path, cause: e });
  }
}

/** The real process: stdout, stderr and the file system. */
export const nodeIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: readFileAsBytes,
};
