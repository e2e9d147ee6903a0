/**
 * The worker's opened files: read (dropped blobs, example URLs) under a size limit, and
 * described with the CLI's own reports — `dl inspect`, `dl nm` and `dl ldd` over the opened set.
 */
import { buildInspectReport, buildLddReport, listSymbols, renderLdd } from '@dl/cli/report';
import { DlError, messageOf } from '@dl/errors';
import { loadGraph, virtualLoader } from '@dl/loaders';
import type { InspectingLoader } from '@dl/loaders';
import { readModule } from '@dl/reader';
import { errorInfo } from './errors.js';
import type { FileSource, FileToOpen, OpenedFile } from './protocol.js';

/** Files larger than this are refused before being read (pyodide's 9.6 MB main fits easily). */
export const MAX_FILE_BYTES: number = 64 * 1024 * 1024;

/** The files the worker holds, by name: what the linker's loader sees as `/name`. */
export class FileSet {
  private readonly bytes = new Map<string, Uint8Array<ArrayBuffer>>();

  /** The bytes of a file, or undefined. */
  get(name: string): Uint8Array<ArrayBuffer> | undefined {
    return this.bytes.get(name);
  }

  /** Forgets files. */
  remove(names: readonly string[]): void {
    for (const name of names) this.bytes.delete(name);
  }

  /** A loader over every file read so far, at `/name`: NEEDED entries find their siblings. */
  loader(): InspectingLoader {
    return virtualLoader(new Map([...this.bytes].map(([name, bytes]) => [`/${name}`, bytes])));
  }

  /**
   * Reads files and describes each; `onFile` hears about each as soon as it is done. A file
   * that cannot be read or is not a side module is described by its error, never thrown.
   */
  async open(files: readonly FileToOpen[], onFile: (file: OpenedFile, done: number) => void): Promise<OpenedFile[]> {
    const read: { name: string; size: number | null; error: unknown }[] = [];
    for (const file of files) {
      try {
        const bytes = await readSource(file.name, file.source);
        this.bytes.set(file.name, bytes);
        read.push({ name: file.name, size: bytes.length, error: null });
      } catch (error) {
        this.bytes.delete(file.name);
        read.push({ name: file.name, size: file.source.kind === 'blob' ? file.source.blob.size : null, error });
      }
    }
    // Described once all are read, so each one's NEEDED tree sees its siblings.
    const opened: OpenedFile[] = [];
    for (const r of read) {
      const described =
        r.error === null
          ? await this.describe(r.name)
          : { ok: false as const, name: r.name, size: r.size, error: errorInfo(r.error) };
      opened.push(described);
      onFile(described, opened.length);
    }
    return opened;
  }

  /** `dl inspect`, `dl nm` and `dl ldd` of one file read before. */
  private async describe(name: string): Promise<OpenedFile> {
    const bytes = this.bytes.get(name)!;
    try {
      const module = readModule(bytes, { name });
      const report = buildInspectReport(bytes, name, module);
      const symbols = listSymbols(bytes, name, module);
      return { ok: true, name, size: bytes.length, report, symbols, ldd: await this.ldd(name) };
    } catch (error) {
      return { ok: false, name, size: bytes.length, error: errorInfo(error) };
    }
  }

  /** The NEEDED tree as `dl ldd` prints it, found among the opened files. */
  private async ldd(name: string): Promise<{ tree: string; problems: string[] }> {
    const graph = await loadGraph(this.loader(), [name], { compile: false });
    const report = buildLddReport(graph);
    return { tree: renderLdd(report), problems: report.problems.map((p) => `${p.message} [${p.code}]`) };
  }
}

/** The bytes of a dropped file or an example, refused with `DL_LIMIT` when too large. */
async function readSource(name: string, source: FileSource): Promise<Uint8Array<ArrayBuffer>> {
  if (source.kind === 'blob') {
    checkSize(name, source.blob.size);
    return new Uint8Array(await source.blob.arrayBuffer());
  }
  let response: Response;
  try {
    response = await fetch(source.url);
  } catch (error) {
    throw new DlError('DL_NETWORK', `fetching ${source.url} failed: ${messageOf(error)}`, {
      library: name,
      cause: error,
    });
  }
  if (!response.ok)
    throw new DlError('DL_HTTP', `fetching ${source.url} gave HTTP ${response.status}`, { library: name });
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(length)) checkSize(name, length);
  const bytes = new Uint8Array(await response.arrayBuffer());
  checkSize(name, bytes.length);
  return bytes;
}

function checkSize(name: string, size: number): void {
  if (size > MAX_FILE_BYTES) {
    throw new DlError(
      'DL_LIMIT',
      `${size.toLocaleString('en')} bytes is more than the playground reads (${MAX_FILE_BYTES.toLocaleString('en')} bytes at most)`,
      { library: name },
    );
  }
}
