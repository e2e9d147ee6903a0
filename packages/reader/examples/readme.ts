import { readFile } from 'node:fs/promises';
import { classifyImport, readDylinkInfo, readDylinkPrefix, readModule } from '@dl/reader';

// A sample side module this package ships (425 bytes, built by emcc 3.1.6 -sSIDE_MODULE).
const bytes = await readFile(new URL(import.meta.resolve('@dl/reader/samples/libneed_b.so')));

// The dylink.0 metadata: reads the header and the first section only.
const info = readDylinkInfo(bytes, { name: 'libneed_b.so' });
console.log(info.format, info.memorySize, info.memoryAlign, info.needed);

// The same from the first bytes of a download: ask for more until the section is in.
console.log(readDylinkPrefix(bytes.subarray(0, 12)));

// The linking view of the whole module: imports and exports with their types.
const mod = readModule(bytes, { name: 'libneed_b.so' });
for (const imp of mod.imports) console.log(classifyImport(imp), `${imp.module}.${imp.name}`);
const fn = mod.exports.find((e) => e.kind === 'function' && e.name === 'need_b_check');
console.log(fn?.kind === 'function' ? fn.type : fn);
