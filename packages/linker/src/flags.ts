import { DlError } from '@dl/errors';
import type { DlopenFlags, ResolvedFlags } from './types.js';

/** musl/Emscripten `RTLD_*` values. */
export const RTLD = {
  LAZY: 1,
  NOW: 2,
  NOLOAD: 4,
  LOCAL: 0,
  GLOBAL: 256,
  NODELETE: 4096,
} as const;

/**
 * Decodes dlopen flags. Numbers must include exactly one of RTLD_LAZY / RTLD_NOW (as
 * Emscripten and glibc require); objects default to lazy binding and local scope.
 */
export function resolveFlags(flags: DlopenFlags | undefined): ResolvedFlags {
  if (flags === undefined) return { now: false, global: false, nodelete: false, noload: false, reloadable: false };
  if (typeof flags === 'number') {
    const binding = flags & (RTLD.LAZY | RTLD.NOW);
    if (binding === 0 || binding === (RTLD.LAZY | RTLD.NOW)) {
      throw new DlError('DL_BAD_FLAGS', 'invalid mode for dlopen(): Either RTLD_LAZY or RTLD_NOW is required');
    }
    const known = RTLD.LAZY | RTLD.NOW | RTLD.NOLOAD | RTLD.GLOBAL | RTLD.NODELETE;
    if ((flags & ~known) !== 0)
      throw new DlError('DL_BAD_FLAGS', `unknown dlopen flags 0x${(flags & ~known).toString(16)}`);
    return {
      now: binding === RTLD.NOW,
      global: (flags & RTLD.GLOBAL) !== 0,
      nodelete: (flags & RTLD.NODELETE) !== 0,
      noload: (flags & RTLD.NOLOAD) !== 0,
      reloadable: false,
    };
  }
  return {
    now: flags.binding === 'now',
    global: flags.scope === 'global',
    nodelete: flags.nodelete === true,
    noload: flags.noload === true,
    reloadable: flags.reloadable === true,
    ...(flags.leakCheck === undefined ? {} : { leakCheck: flags.leakCheck }),
  };
}
