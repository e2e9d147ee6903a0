import type { ByteReader } from '../bytes/byte-reader.js';
import type { ProducerField, ProducerValue, TargetFeature } from './types.js';

/** Reads the `producers` section: fields, each a list of (name, version). */
export function readProducers(r: ByteReader): ProducerField[] {
  const n = r.count('producers field count', 2);
  const fields: ProducerField[] = [];
  for (let i = 0; i < n; i++) {
    const field = r.name('producers field name');
    const m = r.count('producers value count', 2);
    const values: ProducerValue[] = [];
    for (let j = 0; j < m; j++) values.push({ name: r.name('producer name'), version: r.name('producer version') });
    fields.push({ field, values });
  }
  r.expectEnd('producers section');
  return fields;
}

/** Reads the `target_features` section: (prefix byte, feature name) pairs. */
export function readTargetFeatures(r: ByteReader): TargetFeature[] {
  const n = r.count('target_features count', 2);
  const out: TargetFeature[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.position;
    const prefix = String.fromCharCode(r.u8('feature prefix'));
    if (prefix !== '+' && prefix !== '-' && prefix !== '=') {
      r.fail(
        'DL_BAD_VALUE',
        `feature prefix must be +, - or =, not ${JSON.stringify(prefix)}`,
        'target_features entry',
        at,
      );
    }
    out.push({ prefix, name: r.name('feature name') });
  }
  r.expectEnd('target_features section');
  return out;
}

/** Reads the module name (subsection 0) of the `name` section; other subsections are skipped. */
export function readModuleName(r: ByteReader): string | null {
  while (!r.atEnd) {
    const id = r.u8('name subsection id');
    const size = r.u32('name subsection size');
    const s = r.sub(size, 'name subsection');
    if (id === 0) {
      const name = s.name('module name');
      s.expectEnd('module name subsection');
      return name;
    }
  }
  return null;
}
