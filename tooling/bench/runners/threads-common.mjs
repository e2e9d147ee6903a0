// Shared by the threads suite's runners (threads.mjs, threads-probe.mjs) and their worker
// (threads-worker.mjs).
/** The median of some numbers (null for none). */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? null : s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** One answer from a threads-worker.mjs worker (its next `bench` message; its `error` rejects). */
export const answer = (worker) =>
  new Promise((resolve, reject) => {
    const onMessage = (r) => {
      if (r?.bench === undefined) return;
      worker.off('message', onMessage);
      if (r.error !== undefined) reject(new Error(r.error));
      else resolve(r);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
