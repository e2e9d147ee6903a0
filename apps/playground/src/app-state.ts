/** The shapes of the playground's state (app.ts holds it and its actions). */
import type { ErrorInfo, FileSource, LinkOutcome, OpenedFile, PostedEvent } from './worker/protocol.js';

/** An opened file: where it came from and, once read, what the CLI reports say (or its error). */
export interface FileEntry {
  readonly name: string;
  readonly source: FileSource;
  /** null while the worker reads it. */
  readonly opened: OpenedFile | null;
}

/** Whether a library is loaded by the next link, and its dlopen flags. */
export interface LibrarySetting {
  readonly load: boolean;
  readonly binding: 'now' | 'lazy';
  readonly scope: 'global' | 'local';
  /** Opened `{ reloadable: true }` (its importers bind through the PLT). */
  readonly reloadable?: boolean;
}

/** The last link: its events as they came, and its outcome. */
export interface LinkRun {
  readonly status: 'idle' | 'running' | 'done' | 'failed' | 'cancelled';
  readonly events: readonly PostedEvent[];
  readonly outcome: LinkOutcome | null;
  /** Why there is no outcome (cancelled, or the worker failed). */
  readonly error: ErrorInfo | null;
  /** The main module linked as the program (its loads have no roots), or null for the JS host. */
  readonly main: string | null;
}

/** The last Close or Reload: what was asked, and how it went. */
export interface LastChange {
  readonly action: 'close' | 'reload';
  readonly library: string;
  /** The file a reload took the new build from. */
  readonly build: string | null;
  readonly status: 'running' | 'done' | 'failed';
  readonly error: ErrorInfo | null;
}

/** The tabs of the playground. */
export type View = 'inspect' | 'link' | 'run' | 'pictures';

/** What changed, for subscribers. */
/** `example`: another example set was opened (searches and filters start afresh). */
export type Topic = 'files' | 'setup' | 'link' | 'calls' | 'busy' | 'view' | 'selection' | 'example';
