/**
 * Link graphs for the concepts page's pictures, as data. They are transcriptions of what
 * `linker.graph()` returned for the emcc fixtures in `tooling/fixtures/wasm/emcc`, with a JS
 * host program giving `main_add1`, `main_apply`, `main_get_add1` and 4 bytes of data
 * `main_counter` (a linker heap in a 1 MiB memory, 64 KiB stack at 1024):
 *
 * 1. `dlopen('libneed_c.so', RTLD_LAZY | RTLD_GLOBAL)` → {@link sampleGraph};
 * 2. then `dlopen('libfptr.so', RTLD_NOW | RTLD_LOCAL)` and
 *    `dlopen('libcycle_a.so', RTLD_LAZY | RTLD_LOCAL)` → {@link sampleScopesGraph}.
 */
import type { GraphLibrary, LinkGraph } from '@dl/linker';

const MEMORY_BYTES = 1_048_576;

/** libneed_c.so NEEDs libneed_b.so, which NEEDs libneed_a.so: loaded dependencies first. */
const needChain: readonly GraphLibrary[] = [
  {
    id: 1,
    name: 'libneed_a.so',
    key: 'libneed_a.so',
    location: null,
    global: true,
    group: null,
    refcount: 0,
    nodelete: false,
    needed: [],
    memory: { base: 66576, size: 12 },
    table: { base: 0, size: 0 },
    tlsBase: null,
    exports: 4,
    bindings: {},
    lazy: [],
  },
  {
    id: 2,
    name: 'libneed_b.so',
    key: 'libneed_b.so',
    location: null,
    global: true,
    group: null,
    refcount: 0,
    nodelete: false,
    needed: [1],
    memory: { base: 66592, size: 8 },
    table: { base: 0, size: 0 },
    tlsBase: null,
    exports: 4,
    bindings: {
      'env.need_a': 'libneed_a.so',
      'GOT.mem.need_a_value': 'libneed_a.so',
      'GOT.mem.need_b_tag': 'libneed_b.so',
      'GOT.mem.need_a_tag': 'libneed_a.so',
    },
    lazy: [],
  },
  {
    id: 3,
    name: 'libneed_c.so',
    key: 'libneed_c.so',
    location: null,
    global: true,
    group: null,
    refcount: 1,
    nodelete: false,
    needed: [2],
    memory: { base: 66608, size: 0 },
    table: { base: 0, size: 0 },
    tlsBase: null,
    exports: 2,
    bindings: { 'env.need_b': 'libneed_b.so', 'GOT.mem.need_b_ptr': 'libneed_b.so' },
    lazy: [],
  },
];

const chainReservations: LinkGraph['memory']['reservations'] = [
  { owner: 'host data main_counter', address: 66560, size: 4 },
  { owner: 'libneed_a.so', address: 66576, size: 12 },
  { owner: 'libneed_b.so', address: 66592, size: 8 },
  // The linker heap reserves at least one byte: a library without data still gets an address of its own.
  { owner: 'libneed_c.so', address: 66608, size: 1 },
];

/** The NEEDED chain libneed_c.so → libneed_b.so → libneed_a.so, opened RTLD_GLOBAL by a JS host. */
export const sampleGraph: LinkGraph = {
  libraries: needChain,
  scopes: [{ id: 0, kind: 'global', members: ['host', 'libneed_a.so', 'libneed_b.so', 'libneed_c.so'] }],
  interpositions: [],
  memory: { bytes: MEMORY_BYTES, reservations: chainReservations },
  // Slot 0 stays null (calling it traps); none of the three takes a function's address.
  table: { length: 1, ranges: [] },
};

/** Two RTLD_LOCAL groups next to the chain: one with table slots and GOT.func, one a NEEDED cycle with a PLT entry. */
const localGroups: readonly GraphLibrary[] = [
  {
    id: 4,
    name: 'libreloc.so',
    key: 'libreloc.so',
    location: null,
    global: false,
    group: 1,
    refcount: 0,
    nodelete: false,
    needed: [],
    memory: { base: 66624, size: 132 },
    table: { base: 1, size: 1 },
    tlsBase: null,
    exports: 11,
    bindings: {
      'env.main_add1': 'host',
      'env.main_apply': 'host',
      'GOT.mem.r_ptr': 'libreloc.so',
      'GOT.mem.r_static_ptr': 'libreloc.so',
      'GOT.mem.r_main_ptr': 'libreloc.so',
      'GOT.mem.main_counter': 'host',
      'GOT.mem.r_str': 'libreloc.so',
      'GOT.mem.r_array_end': 'libreloc.so',
      'GOT.mem.r_array': 'libreloc.so',
      'GOT.func.main_add1': 'host',
    },
    lazy: [],
  },
  {
    id: 5,
    name: 'libfptr.so',
    key: 'libfptr.so',
    location: null,
    global: false,
    group: 1,
    refcount: 1,
    nodelete: false,
    needed: [4],
    memory: { base: 66768, size: 12 },
    table: { base: 3, size: 1 },
    tlsBase: null,
    exports: 6,
    bindings: {
      'env.r_get_double': 'libreloc.so',
      'env.main_get_add1': 'host',
      'env.main_apply': 'host',
      'GOT.mem.fp_double_ptr': 'libfptr.so',
      'GOT.mem.r_entries': 'libreloc.so',
      'GOT.func.r_double': 'libreloc.so',
      'GOT.mem.fp_add1_ptr': 'libfptr.so',
      'GOT.mem.fp_negate_ptr': 'libfptr.so',
      'GOT.mem.r_value': 'libreloc.so',
      'GOT.func.main_add1': 'host',
      'GOT.func.fp_negate': 'libfptr.so',
    },
    lazy: [],
  },
  {
    id: 6,
    name: 'libcycle_b.so',
    key: 'libcycle_b.so',
    location: null,
    global: false,
    group: 2,
    refcount: 0,
    nodelete: false,
    needed: [7],
    memory: { base: 66784, size: 8 },
    table: { base: 0, size: 0 },
    tlsBase: null,
    exports: 4,
    bindings: {
      'env.cycle_a': 'libcycle_a.so',
      'GOT.mem.cycle_b_ptr': 'libcycle_b.so',
      'GOT.mem.cycle_a_data': 'libcycle_a.so',
    },
    // Instantiated before libcycle_a.so existed: its call to cycle_a went through the PLT, bound at the end of the load.
    lazy: [{ name: 'cycle_a', bound: true }],
  },
  {
    id: 7,
    name: 'libcycle_a.so',
    key: 'libcycle_a.so',
    location: null,
    global: false,
    group: 2,
    refcount: 1,
    nodelete: false,
    needed: [6],
    memory: { base: 66800, size: 8 },
    table: { base: 0, size: 0 },
    tlsBase: null,
    exports: 4,
    bindings: {
      'env.cycle_b': 'libcycle_b.so',
      'GOT.mem.cycle_a_ptr': 'libcycle_a.so',
      'GOT.mem.cycle_b_data': 'libcycle_b.so',
    },
    lazy: [],
  },
];

/** {@link sampleGraph} plus two RTLD_LOCAL groups: libfptr.so with libreloc.so, and the cycle libcycle_a.so ⇄ libcycle_b.so. */
export const sampleScopesGraph: LinkGraph = {
  libraries: [...needChain, ...localGroups],
  scopes: [
    { id: 0, kind: 'global', members: ['host', 'libneed_a.so', 'libneed_b.so', 'libneed_c.so'] },
    { id: 1, kind: 'local', members: ['libreloc.so', 'libfptr.so'] },
    { id: 2, kind: 'local', members: ['libcycle_b.so', 'libcycle_a.so'] },
  ],
  interpositions: [],
  memory: {
    bytes: MEMORY_BYTES,
    reservations: [
      ...chainReservations,
      { owner: 'libreloc.so', address: 66624, size: 132 },
      { owner: 'libfptr.so', address: 66768, size: 12 },
      { owner: 'libcycle_b.so', address: 66784, size: 8 },
      { owner: 'libcycle_a.so', address: 66800, size: 8 },
    ],
  },
  table: {
    length: 65,
    ranges: [
      { owner: 'libreloc.so', base: 1, size: 1 },
      { owner: 'host', base: 2, size: 1 },
      { owner: 'libfptr.so', base: 3, size: 1 },
      { owner: 'libreloc.so', base: 4, size: 1 },
      { owner: 'libfptr.so', base: 5, size: 1 },
      { owner: 'libcycle_b.so (PLT)', base: 6, size: 1 },
    ],
  },
};
