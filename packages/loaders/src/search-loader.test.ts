import { describe, expect, it } from 'vitest';
import { LibraryNotFoundError } from './errors.js';
import { posixLocations } from './paths.js';
import { searchCandidates } from './search.js';
import type { Candidate } from './search.js';
import { searchLoader, searchLoaderAsync, searchPlan } from './search-loader.js';
import type { Probed } from './search-loader.js';

const locations = posixLocations('/app');
const options = { searchPath: ['/opt/lib', '/usr/lib'], defaults: ['/lib'] };
const candidates = (request: { name: string; parent: null }): Candidate[] =>
  searchCandidates({ ...request }, locations, options);
/** A tiny file system: what is at each path. */
const files = new Map<string, 'file' | 'folder' | 'secret'>([
  ['/usr/lib/libz.so', 'file'],
  ['/lib/libz.so', 'file'],
  ['/opt/lib/libdir.so', 'folder'],
  ['/usr/lib/libdir.so', 'secret'],
]);
const look = (c: Candidate): Probed<string> => {
  const what = files.get(c.location);
  if (what === undefined) return { missing: 'not found' };
  if (what === 'folder') return { missing: 'not a file' };
  if (what === 'secret') return { missing: 'permission denied', error: new Error('EACCES') };
  return { found: `bytes of ${c.location}` };
};

/** The LibraryNotFoundError `run` throws (the test fails when it throws anything else, or nothing). */
function notFound(run: () => unknown): LibraryNotFoundError {
  const thrown: unknown = (() => {
    try {
      run();
      return null;
    } catch (e) {
      return e;
    }
  })();
  expect(thrown).toBeInstanceOf(LibraryNotFoundError);
  return thrown as LibraryNotFoundError;
}

describe('searchLoader', () => {
  it('returns the first candidate the probe finds, with every place tried before it, and looks no further', () => {
    const probed: string[] = [];
    const find = searchLoader({
      candidates,
      probe: (c) => {
        probed.push(c.location);
        return look(c);
      },
    });
    const hit = find({ name: 'libz.so', parent: null });
    expect(hit.found).toBe('bytes of /usr/lib/libz.so');
    expect(hit.candidate).toEqual({ location: '/usr/lib/libz.so', step: 'search-path', entry: '/usr/lib' });
    expect(hit.tried).toEqual([
      { location: '/opt/lib/libz.so', step: 'search-path', entry: '/opt/lib', reason: 'not found' },
    ]);
    expect(probed).toEqual(['/opt/lib/libz.so', '/usr/lib/libz.so']);
  });

  it('is DL_NOT_FOUND listing every place with its reason (and the error, when the probe gave one)', () => {
    const find = searchLoader({ candidates, probe: look });
    const err = notFound(() => find({ name: 'libdir.so', parent: null }));
    expect(err.code).toBe('DL_NOT_FOUND');
    expect(err.library).toBe('libdir.so');
    expect(err.tried.map((t) => `${t.location} ${t.reason}`)).toEqual([
      '/opt/lib/libdir.so not a file',
      '/usr/lib/libdir.so permission denied',
      '/lib/libdir.so not found',
    ]);
    expect(err.tried[0]).not.toHaveProperty('error');
    expect((err.tried[1]!.error as Error).message).toBe('EACCES');
    expect(err.message).toBe(
      'libdir.so: library not found; tried /opt/lib/libdir.so (not a file), /usr/lib/libdir.so (permission denied), /lib/libdir.so (not found)',
    );
  });

  it('says there was nowhere to look when there is no candidate', () => {
    const find = searchLoader({ candidates: () => [], probe: look });
    expect(notFound(() => find({ name: 'libz.so', parent: null })).message).toBe(
      'libz.so: library not found; there was nowhere to look',
    );
  });

  it('stops at a probe that throws: its error, not DL_NOT_FOUND, and no later place is probed', () => {
    const probed: string[] = [];
    const find = searchLoader({
      candidates,
      probe: (c) => {
        probed.push(c.location);
        throw new RangeError(`cannot read ${c.location}`);
      },
    });
    expect(() => find({ name: 'libz.so', parent: null })).toThrow(new RangeError('cannot read /opt/lib/libz.so'));
    expect(probed).toEqual(['/opt/lib/libz.so']);
  });
});

describe('searchLoaderAsync', () => {
  it('probes one candidate at a time, in order, and finds what the synchronous search finds', async () => {
    const log: string[] = [];
    const find = searchLoaderAsync({
      candidates,
      probe: async (c) => {
        log.push(`start ${c.location}`);
        await new Promise((resolve) => {
          setImmediate(resolve);
        });
        log.push(`end ${c.location}`);
        return look(c);
      },
    });
    const hit = await find({ name: 'libz.so', parent: null });
    expect(hit).toEqual(searchLoader({ candidates, probe: look })({ name: 'libz.so', parent: null }));
    expect(log).toEqual([
      'start /opt/lib/libz.so',
      'end /opt/lib/libz.so',
      'start /usr/lib/libz.so',
      'end /usr/lib/libz.so',
    ]);
  });

  it('rejects with DL_NOT_FOUND listing every place, or with the error a probe threw', async () => {
    const find = searchLoaderAsync({ candidates, probe: (c) => Promise.resolve(look(c)) });
    const err = await find({ name: 'libnone.so', parent: null }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LibraryNotFoundError);
    expect((err as LibraryNotFoundError).tried.map((t) => t.location)).toEqual([
      '/opt/lib/libnone.so',
      '/usr/lib/libnone.so',
      '/lib/libnone.so',
    ]);
    const failing = searchLoaderAsync({ candidates, probe: () => Promise.reject(new Error('offline')) });
    await expect(failing({ name: 'libz.so', parent: null })).rejects.toThrow('offline');
  });
});

describe('searchPlan', () => {
  it('is the loop both drivers run: yields candidates, takes what the probe made of each', () => {
    const plan = searchPlan<string>({ name: 'libz.so', parent: null }, candidates({ name: 'libz.so', parent: null }));
    let step = plan.next();
    expect(step.value).toMatchObject({ location: '/opt/lib/libz.so' });
    step = plan.next({ missing: 'refused' });
    expect(step.value).toMatchObject({ location: '/usr/lib/libz.so' });
    step = plan.next({ found: 'here' });
    expect(step).toEqual({
      done: true,
      value: {
        found: 'here',
        candidate: { location: '/usr/lib/libz.so', step: 'search-path', entry: '/usr/lib' },
        tried: [{ location: '/opt/lib/libz.so', step: 'search-path', entry: '/opt/lib', reason: 'refused' }],
      },
    });
  });
});
