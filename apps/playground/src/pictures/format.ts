/** Numbers and ranges in words: hex addresses, counts with units, sizes. */

/** `0x`-prefixed upper-case hex, e.g. `0x10400`. */
export function hex(value: number): string {
  return `0x${value.toString(16).toUpperCase()}`;
}

/** `1 byte`, `12 bytes`: a count with its unit, singular for one. */
export function plural(count: number, unit: string, units: string = `${unit}s`): string {
  return `${count} ${count === 1 ? unit : units}`;
}

/** `0x10400–0x1040C (12 bytes)`: a half-open range. */
export function byteRange(base: number, size: number): string {
  return `${hex(base)}–${hex(base + size)} (${plural(size, 'byte')})`;
}

/** `slots 1–3 (2 slots)`: a half-open range of table indices. */
export function slotRange(base: number, size: number): string {
  return `slots ${base}–${base + size} (${plural(size, 'slot')})`;
}

/** `64 KiB`, `1 MiB`, `1.5 MiB`, `900 bytes`. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte');
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KiB'] : [bytes / (1024 * 1024), 'MiB'];
  return `${Math.round(value * 10) / 10} ${unit}`;
}
