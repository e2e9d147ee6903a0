/**
 * @packageDocumentation
 * `@dl/linker/threads`: the leading thread's side of a linked program shared across workers —
 * `ThreadGroup` (add, start and stop following workers; `sync()` after each `dlopen`/`dlclose`).
 * An entry of its own, like `@dl/linker/follow` for the workers' side: a program without
 * threads does not parse this code when it imports `@dl/linker`.
 */
export { ThreadGroup } from './threads/group.js';
export type { FollowMessage, ThreadPort } from './threads/messages.js';
export { encodeImage } from './threads/wire.js';
export type { WireImage } from './threads/wire.js';
export type { ThreadStartOptions, ThreadWorker, ThreadWorkerClass } from './threads/start.js';
