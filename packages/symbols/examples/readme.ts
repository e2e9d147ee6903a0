import { GotTable, Scope } from '@dl/symbols';
import type { Definition, Provider } from '@dl/symbols';

const main: Provider = { id: 0, name: 'main' };
const liba: Provider = { id: 1, name: 'liba.so' };
const data = (name: string, provider: Provider, address: number): Definition => ({ kind: 'data', name, provider, address });

// The global scope: main first, then libraries in load order. The first definition wins.
const global = new Scope(0, 'global');
global.add(main, [data('counter', main, 1040)]);
global.add(liba, [data('counter', liba, 70000), data('table', liba, 70016)]);
console.log(global.lookup('counter')?.provider.name, global.interpositions().map((i) => `${i.name}: ${i.losers.map((l) => l.provider.name).join(', ')} interposed`));

// GOT.mem.counter for every library of the global scope: one mutable global, set once.
const got = new GotTable();
const { entry } = got.obtain(global, 'mem', 'counter');
const winner = global.lookup('counter');
if (winner?.kind === 'data') got.resolve(entry, winner.address, winner);
console.log(entry.global.value, got.obtain(global, 'mem', 'counter').created);
