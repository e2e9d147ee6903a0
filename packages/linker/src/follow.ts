/**
 * @packageDocumentation
 * `@dl/linker/follow`: what a worker following a linked program runs — `serveFollower` (with a
 * `ThreadGroup` on the leading thread) or `followLinker` (for programs that post images
 * themselves). An entry of its own: a worker never links, so it imports ~13 KB instead of the
 * whole linker (the main entry exports the same functions, for code shared by both sides).
 */
export { followLinker } from './threads/follow.js';
export type { Follower, FollowOptions } from './threads/follow.js';
export { serveFollower } from './threads/serve.js';
export type { ServedFollower } from './threads/serve.js';
export type { FollowMessage, ThreadPort } from './threads/messages.js';
export { decodeImage } from './threads/wire.js';
export type { WireImage } from './threads/wire.js';
export type { DlopenFlags, Handle } from './types.js';
export type {
  ImageGotUpdate,
  ImageGotValue,
  ImageImport,
  ImageLibrary,
  ImageSlot,
  ThreadImage,
} from './threads/image.js';
