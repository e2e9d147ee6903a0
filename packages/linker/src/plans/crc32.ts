/**
 * CRC-32 (IEEE 802.3: reflected, polynomial 0xEDB88320), to notice a damaged snapshot — a file cut
 * short or a flipped bit in its memory — before it is restored. Not for identity: libraries are
 * identified by SHA-256; this only tells a snapshot from a damaged copy of itself.
 */
let table: Uint32Array | null = null;

function crcTable(): Uint32Array {
  if (table !== null) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** The CRC-32 of the parts, one after another (`crc32([a, b])` is that of `a` then `b`). */
export function crc32(parts: readonly Uint8Array[]): number {
  const t = crcTable();
  let c = 0xffffffff;
  for (const bytes of parts) for (const b of bytes) c = t[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
