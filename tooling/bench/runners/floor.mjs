// The floor of the linker benchmark: what the engine must do to put N side modules into one
// program, and nothing more. One shared memory and table; each module gets distinct memory
// and table ranges (from its dylink.0 MEM_INFO) and otherwise dummy imports: one shared no-op
// function for every function import, one shared mutable i32 for every GOT entry (and
// __stack_pointer). No symbol resolution, no relocation values, no constructors.
// No node built-ins: the Chromium page (web-page.mjs) bundles this file too.

const PAGE = 65536;

/**
 * A program to instantiate modules into, as cheaply as the engine allows. `initialPages`: the
 * memory's initial size (a relocatable main such as web-tree-sitter's imports a memory of at
 * least its own initial size, and one with a maximum when it declares one: `maximumPages`).
 */
export function floorProgram({ initialPages = 16, maximumPages } = {}) {
  const memory = new WebAssembly.Memory(
    maximumPages === undefined ? { initial: initialPages } : { initial: initialPages, maximum: maximumPages },
  );
  const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
  const stackPointer = new WebAssembly.Global({ value: 'i32', mutable: true }, PAGE + 1024);
  const got = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  const dummy = () => 0;
  let heap = PAGE + 1024;
  let tableTop = table.length;
  let count = 0;
  return {
    get count() {
      return count;
    },
    table,
    /**
     * The floor of unloading (the unload suite): empties the table slots given out so far and
     * places the next module where the first one went, as if everything had been unloaded.
     */
    reset() {
      for (let i = 1; i < tableTop; i++) table.set(i, null);
      heap = PAGE + 1024;
      tableTop = 1;
    },
    /** Places and instantiates one compiled side module. */
    instantiate(module) {
      const { memorySize, memoryAlign, tableSize } = memInfo(module);
      const align = Math.max(16, 2 ** memoryAlign);
      const memoryBase = Math.ceil(heap / align) * align;
      heap = memoryBase + memorySize;
      if (heap > memory.buffer.byteLength) memory.grow(Math.ceil((heap - memory.buffer.byteLength) / PAGE));
      const tableBase = tableTop;
      tableTop += tableSize;
      if (tableTop > table.length) table.grow(tableTop - table.length);
      const env = {};
      const gotMem = {};
      const gotFunc = {};
      const imports = { env, 'GOT.mem': gotMem, 'GOT.func': gotFunc };
      for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
        if (from === 'GOT.mem') gotMem[name] = got;
        else if (from === 'GOT.func') gotFunc[name] = got;
        else if (kind === 'function') (imports[from] ??= {})[name] = dummy;
        else if (kind === 'memory') env[name] = memory;
        else if (kind === 'table') env[name] = table;
        else if (name === '__memory_base') env[name] = new WebAssembly.Global({ value: 'i32' }, memoryBase);
        else if (name === '__table_base') env[name] = new WebAssembly.Global({ value: 'i32' }, tableBase);
        else env[name] = stackPointer;
      }
      const instance = new WebAssembly.Instance(module, imports);
      count++;
      return instance;
    },
  };
}

/** Reads an unsigned LEB128 at `p`: [value, next position]. */
function leb(bytes, p) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[p++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, p];
  }
}

/**
 * MEM_INFO of a compiled side module's dylink.0 section, or of the legacy `dylink` section (the
 * same four numbers, flat): { memorySize, memoryAlign, tableSize, tableAlign }.
 */
export function memInfo(module) {
  const [section] = WebAssembly.Module.customSections(module, 'dylink.0');
  const info = { memorySize: 0, memoryAlign: 0, tableSize: 0, tableAlign: 0 };
  if (section === undefined) {
    const [legacy] = WebAssembly.Module.customSections(module, 'dylink');
    if (legacy === undefined) return info;
    const bytes = new Uint8Array(legacy);
    let q = 0;
    [info.memorySize, q] = leb(bytes, q);
    [info.memoryAlign, q] = leb(bytes, q);
    [info.tableSize, q] = leb(bytes, q);
    [info.tableAlign] = leb(bytes, q);
    return info;
  }
  const bytes = new Uint8Array(section);
  for (let p = 0; p < bytes.length;) {
    const type = bytes[p];
    const [size, start] = leb(bytes, p + 1);
    if (type === 1) {
      let q = start;
      [info.memorySize, q] = leb(bytes, q);
      [info.memoryAlign, q] = leb(bytes, q);
      [info.tableSize, q] = leb(bytes, q);
      [info.tableAlign] = leb(bytes, q);
      return info;
    }
    p = start + size;
  }
  return info;
}
