import { checkRequest, defaultLimits, LinkerHeap, TableAllocator } from '@dl/layout';

// A linker-owned heap above the first 64 KiB, and the program's function table.
const memory = new WebAssembly.Memory({ initial: 1 });
const heap = new LinkerHeap(memory, { start: 65536 });
const table = new TableAllocator(new WebAssembly.Table({ element: 'anyfunc', initial: 1 }));

// A library asking for 148 bytes aligned to 2^4 and one table slot: checked, then placed.
checkRequest({ memorySize: 148, memoryAlign: 4, tableSize: 1, tableAlign: 0 }, defaultLimits, 'libreloc.so');
const data = heap.reserve(148, 16, 'libreloc.so');
const slots = table.reserve(1, 'libreloc.so');
console.log(data, slots, memory.buffer.byteLength);

// Released space is reused (and zeroed); the table grew once, by more than one slot.
heap.release(data);
console.log(heap.reserve(100, 16, 'libneed_a.so').address === data.address, table.table.length);
