/** Help texts, one per command (also shown on usage errors). */
export const helpTexts: Readonly<Record<'dl' | 'inspect' | 'nm', string>> = {
  dl: `dl: inspect WebAssembly side modules (dylink.0)

Usage:
  dl inspect FILE... [--json]                    dylink metadata, import/export counts, TLS and weak symbols
  dl nm FILE [--defined | --undefined] [--json]  defined and undefined symbols
  dl help [COMMAND]                              this text, or a command's
  dl --version

Exit status: 0 ok, 1 bad input (missing, not wasm, not a side module, malformed), 2 usage error.
`,
  inspect: `Usage: dl inspect FILE... [--json]

Prints, for each side module: the dylink section format, memory and table reservations,
NEEDED libraries, runtime paths, import counts (env functions, env globals, GOT.mem, GOT.func,
memory, table, tags, other modules), export counts, the start function, TLS exports and weak
imports. --json prints one object for one file and an array (same order) for several.
`,
  nm: `Usage: dl nm FILE [--defined | --undefined] [--json]

Lists symbols sorted by name: ADDRESS LETTER NAME KIND TYPE.
Letters: T function, D data (address relative to __memory_base), L thread-local data
(relative to __tls_base), G other global, M memory/table/tag, U undefined, w weak undefined.
--json prints the symbols in section order (exports, then imports).
`,
};
