/** Help texts, one per command (also shown on usage errors). */
export const helpTexts: Readonly<Record<'dl' | 'inspect' | 'nm' | 'ldd', string>> = {
  dl: `dl: inspect WebAssembly side modules (dylink.0)

Usage:
  dl inspect FILE... [--json]                    dylink metadata, import/export counts, TLS and weak symbols
  dl nm FILE [--defined | --undefined] [--json]  defined and undefined symbols
  dl ldd FILE [-L DIR]... [--env] [--json]       the NEEDED tree: where each library is found, or why not
  dl help [COMMAND]                              this text, or a command's
  dl version | --version | -V                    the version

Exit status: 0 ok, 1 bad input (missing, not a regular file, larger than 256 MiB, not wasm, not
a side module, malformed; for ldd: in any library of the tree), 2 usage error, 70 internal
error, 141 standard output closed early (as for a program ended by SIGPIPE).
Names and messages from the files are printed with non-printable characters escaped (\\xHH,
\\u{HHHH}); --json output is exact.
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
  ldd: `Usage: dl ldd FILE [-L DIR]... [--env] [--json]

Prints FILE's NEEDED libraries as a tree, root first: each entry with where it was found and by
which search step and entry, or "not found" with every place tried and why, or the error code
and message of a library that could not be read. Only the head of each file is read; nothing is
compiled. A library reached again is shown once more as "(already shown)", without its
subtree; libraries that need each other are marked "(cycle: ...)".

Search order for a NEEDED name (FILE too when it has no slash):
  1. a name with a slash is a path, relative to the needing library's directory (FILE: to the
     current directory); nothing else is tried;
  2. the needing library's RUNTIME_PATH entries, $ORIGIN / \${ORIGIN} expanded;
  3. each -L DIR (--library-path DIR), in order;
  4. with --env, the directories of LD_LIBRARY_PATH;
  5. the current directory.
Locations print absolute, symbolic links resolved. --json prints { root, libraries, problems,
cycles }. Exit status 1 when any library is missing or unreadable (the tree is still printed).
`,
};
