/**
 * The concepts page: dynamic linking of WebAssembly side modules in plain words, illustrated
 * with the playground's own pictures of sample link graphs. Rules are stated as `@dl` applies
 * them (packages/symbols and packages/linker READMEs) and as the ABI defines them
 * (tool-conventions DynamicLinking.md).
 */
import { messageOf } from '@dl/errors';
import type { LinkGraph } from '@dl/linker';
import { graphSvg, memoryMapSvg, tableMapSvg } from '../pictures/index.js';
import { escapeHtml } from './escape.js';
import { renderInline, renderMarkdown } from './markdown.js';
import { sampleGraph, sampleScopesGraph } from './sample-graph.js';

/** A picture of a graph, with the graph it shows. */
interface Figure {
  readonly picture: (graph: LinkGraph) => string;
  readonly graph: LinkGraph;
  /** Markdown. */
  readonly caption: string;
}

interface ConceptSection {
  readonly id: string;
  readonly title: string;
  /** Markdown, before the figures. */
  readonly text: string;
  readonly figures?: readonly Figure[];
  /** Extra HTML after the figures (generated from the sample data, escaped). */
  readonly extra?: () => string;
}

/** libneed_b.so's imports and who provides each, as a table: the GOT and direct calls at work. */
function bindingsTable(graph: LinkGraph, library: string): string {
  const lib = graph.libraries.find((l) => l.name === library);
  if (lib === undefined) return '';
  const what = (spec: string): string => {
    if (spec.startsWith('GOT.mem.')) return 'a GOT entry holding a data address';
    if (spec.startsWith('GOT.func.')) return 'a GOT entry holding a table index (a function address)';
    return 'a function called directly';
  };
  const rows = Object.entries(lib.bindings).map(
    ([spec, provider]) =>
      `<tr><td><code>${escapeHtml(spec)}</code></td><td>${escapeHtml(what(spec))}</td><td><code>${escapeHtml(provider)}</code></td></tr>`,
  );
  return (
    `<table class="dl-docs-bindings"><caption>${escapeHtml(library)}: its imports and who provides them</caption>` +
    '<thead><tr><th>import</th><th>what it is</th><th>provided by</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

const sections: readonly ConceptSection[] = [
  {
    id: 'side-modules',
    title: 'Side modules and dylink.0',
    text: `
A **side module** is a WebAssembly module built to be loaded next to others, like a shared
library (\`.so\`): C or C++ compiled as position-independent code (\`clang -fPIC\` and
\`wasm-ld -shared\`, or \`emcc -sSIDE_MODULE\`). It does not own a memory or a table: it imports
the program's \`env.memory\` and \`env.__indirect_function_table\`, and everything it uses but does
not define — functions, data, even the stack pointer — comes in as imports for the linker to fill.

What the linker needs to know before it can place the module is in a custom section,
\`dylink.0\`, which must be the **very first section**, so that reading a file's first bytes is
enough to recognise a side module. Its subsections say:

- **Memory size and alignment** (\`mem-info\`): how many bytes of linear memory to reserve for the
  module's data (its static data *and* its zero-initialised bss), and their alignment as a power
  of two.
- **Table size and alignment**: how many slots of the function table to reserve for the module's
  own function pointers.
- **NEEDED**: the libraries that must be loaded *before* this one, by name (\`libneed_b.so\`).
- **Export and import info**: symbol flags the wasm types cannot say — which exports are
  thread-local (TLS), which imports are **weak** (may stay undefined).
- **Runtime path**: where to look for the NEEDED libraries (like ELF's \`RUNPATH\`;
  \`$ORIGIN\` is the library's own directory).

Older toolchains wrote a flat \`dylink\` section with the first three; \`@dl/reader\` reads both.`,
    figures: [
      {
        picture: graphSvg,
        graph: sampleGraph,
        caption:
          '`libneed_c.so` NEEDs `libneed_b.so`, which NEEDs `libneed_a.so`. Opening `libneed_c.so` loads all three; `#n` is the load order.',
      },
    ],
  },
  {
    id: 'memory-and-table-base',
    title: 'Memory base and table base: relocation',
    text: `
A side module is compiled without knowing where it will live. When it is loaded, the linker
**reserves** a block of linear memory of the module's memory size (zeroed, aligned — \`@dl\` uses
at least 16 bytes) and a range of table slots of its table size, and tells the module where they
are with two imported constants: \`env.__memory_base\` (the block's address) and
\`env.__table_base\` (the first slot). This is **relocation**.

Code needs no fixing: every access to the module's own data is written as
\`__memory_base + offset\`, so the same compiled code works wherever the block lands. What *does*
need fixing is data that holds addresses — a pointer stored in a global variable, a table of
strings. The module fixes those itself in an exported function, \`__wasm_apply_data_relocs\`,
which the linker calls once, before any constructor. The module's exported data symbols are
offsets from its memory base; the linker adds the base to publish their real addresses.`,
    figures: [
      {
        picture: memoryMapSvg,
        graph: sampleGraph,
        caption:
          "Linear memory after loading the chain: the host's own data (`main_counter`), then one block per library, each at its `__memory_base`.",
      },
      {
        picture: tableMapSvg,
        graph: sampleScopesGraph,
        caption:
          "The function table with more libraries loaded: each library's own range at its `__table_base`, single slots for functions whose address was taken, and a PLT slot. Slot 0 stays empty: calling a null function pointer traps.",
      },
    ],
  },
  {
    id: 'got',
    title: 'The GOT: GOT.mem and GOT.func',
    text: `
A module cannot know the address of data defined in *another* module, nor the number of another
module's function in the table. So it imports each such address as a mutable global of a
special module name — the **global offset table**, or GOT:

- \`GOT.mem.<name>\` holds the **address** of a data symbol;
- \`GOT.func.<name>\` holds the **table index** of a function whose address is taken
  (\`&f\` in C: a function pointer).

The linker fills each entry once it knows who defines the name. In \`@dl\` there is one entry
per scope, kind and name, shared by every library of the scope; its value is set before the
module is instantiated when the definition is already known, otherwise as soon as the whole load
is instantiated, and it never changes afterwards. Every function whose address is taken gets
exactly one table slot, on first need, so \`&f\` is the same number in every module — and equals
what \`dlsym\` returns.

A library even reaches some of its *own* exported data through the GOT: another library loaded
earlier could define the same name and win (see scopes below), and every user must then agree
on one address. Plain function calls to other modules are not in the GOT: they are ordinary
\`env.<name>\` function imports, bound directly to the provider's function (or through the
PLT, below).`,
    extra: () => bindingsTable(sampleGraph, 'libneed_b.so'),
  },
  {
    id: 'scopes',
    title: 'Symbol resolution and scopes',
    text: `
When a library imports a name, the linker looks for a definition in **scopes**, ordered lists of
providers in which the first definition of a name wins:

- The **global scope** holds the program (the JS host or the main module) first, then every
  library opened with \`RTLD_GLOBAL\`, in load order. Everybody sees it.
- An \`RTLD_LOCAL\` open makes a **group**: a scope holding the library and all its dependencies
  (even ones loaded earlier by someone else), in load order. Only the group's members see it.

A library looks in the global scope first, then in its own group — ELF's order. A name defined
twice in a scope is **interposed**: the earlier definition wins for everyone, and the later one
is recorded as interposed (\`linker.graph().interpositions\`). That is how a program can replace
a library's \`malloc\`: its definition comes first. Opening a local library again with
\`RTLD_GLOBAL\` **promotes** it and its dependencies into the global scope; nothing is ever demoted.

**Weak symbols**: an import marked weak may stay undefined. If nothing defines it, a weak data
address is 0 and a weak function address is table index 0 (null), and they stay so even if a
later load defines the name; calling a weak function that was never defined throws
\`DL_UNDEFINED_SYMBOL\` naming it. A weak *definition* has no precedence over an earlier one.

\`dlsym(handle, name)\` searches the handle's library and its dependencies, breadth-first;
\`dlsym(null, name)\` (or \`RTLD_DEFAULT\`) the global scope; \`RTLD_NEXT\` the definitions after
the calling library in its lookup order.`,
    figures: [
      {
        picture: graphSvg,
        graph: sampleScopesGraph,
        caption:
          'The chain in the global scope, and two `RTLD_LOCAL` groups: `libfptr.so` with `libreloc.so`, and the cycle `libcycle_a.so` ⇄ `libcycle_b.so`. Colours are scopes.',
      },
    ],
  },
  {
    id: 'load-order',
    title: 'Load order',
    text: `
A library's NEEDED libraries are loaded **before** it: the linker walks the NEEDED graph
depth-first and places, instantiates and publishes in post-order — dependencies first. Opening
\`libneed_c.so\` gives the order \`libneed_a.so\`, \`libneed_b.so\`, \`libneed_c.so\`. In a NEEDED
cycle the library reached first comes last: opening \`libcycle_a.so\` loads \`libcycle_b.so\`
(#6) before it (#7).

Load order decides who wins in a scope. It is Emscripten's order; glibc puts a library *before*
its dependencies (breadth-first), so where a library and one of its dependencies define the same
name, \`@dl\` and Emscripten pick the dependency's definition and glibc the library's. A
relocatable main module is the exception: it is instantiated first and stays first.

Finding the files is a separate, earlier step: the loader is asked for a whole level of the graph
at once (in parallel when it is asynchronous), and each library is loaded once however many
names lead to it. Every import is then checked — kind and signature — before anything changes.`,
  },
  {
    id: 'lazy-binding',
    title: 'Lazy binding and the PLT',
    text: `
A function import is bound directly to its provider when the provider already exists at
instantiation. When it does not yet — the other half of a NEEDED cycle, a name a later library
will define — the import gets a **PLT entry** (procedure linkage table): a small stub that calls
through a table slot of its own. The stub is bound at the end of the load if another library of
the same load provides the function (the cycle case); otherwise, with \`RTLD_LAZY\`, at its
**first call**. A call that finds nothing throws \`DL_UNDEFINED_SYMBOL\` naming the symbol and
the library.

\`RTLD_NOW\` refuses a load with any undefined function, listing every one and who wants it.
Data addresses (\`GOT.mem\`) and function addresses (\`GOT.func\`) cannot wait: they must
resolve when the library loads, even with \`RTLD_LAZY\`, unless they are weak.`,
    figures: [
      {
        picture: tableMapSvg,
        graph: sampleScopesGraph,
        caption:
          '`libcycle_b.so` was instantiated before `libcycle_a.so` existed: its call to `cycle_a` goes through the slot marked `(PLT)`, bound at the end of the load.',
      },
    ],
  },
  {
    id: 'constructors',
    title: 'Constructors',
    text: `
A module may run code as it is instantiated (its wasm start function, which lld uses to set up
internal GOT entries), but C and C++ initialisation waits until the **whole load** is
instantiated and bound, so that every symbol a constructor might use exists. Then, in dependency
order, the linker calls every library's \`__wasm_apply_data_relocs\` (the pointer fix-ups), and
only then every library's constructors: \`__wasm_call_ctors\`, or \`_initialize\` for WASI
reactors. Running constructors before relocations — a real bug in older loaders — lets them see
pointers that are still wrong.

Destructors registered with \`__cxa_atexit\` run when the program exits (\`linker.exit()\`), newest
first. If anything fails during a load, every change it made — memory and table reservations,
function slots, GOT entries, scopes — is undone, and later loads work.`,
  },
  {
    id: 'unloading',
    title: 'Unloading',
    text: `
\`dlopen\` of a library already open returns the same handle and counts a reference;
\`dlclose\` counts one down. At zero the handle becomes invalid (\`DL_BAD_HANDLE\`), but in this
version of \`@dl\` the library **stays resident**: its data, table slots and symbols remain, and a
new \`dlopen\` revives it. \`RTLD_NODELETE\` keeps the handle valid for good. Emscripten's loader
never unloads either.

Unloading is hard in WebAssembly: an instance cannot be destroyed — it goes away only when
nothing references it, and other modules hold its functions in the shared table and in their
imports; linear memory can grow but never shrink. Real unloading would mean taking the library out of
its scopes, clearing its table slots and GOT entries, releasing its memory block for reuse, and
refusing if anyone still depends on it.`,
  },
];

function renderFigure(figure: Figure): string {
  let picture: string;
  try {
    picture = figure.picture(figure.graph);
  } catch (error) {
    picture = `<p class="dl-docs-figure-error">The picture could not be drawn: ${escapeHtml(messageOf(error))}</p>`;
  }
  return `<figure class="dl-docs-figure">${picture}<figcaption>${renderInline(figure.caption)}</figcaption></figure>`;
}

/** Heading id of a concepts section. */
function sectionId(id: string): string {
  return `concepts-${id}`;
}

/** The concepts page's HTML. */
export function renderConcepts(): string {
  const toc = sections
    .map(
      (s) => `<li><a href="#${sectionId(s.id)}" data-docs-anchor="${sectionId(s.id)}">${escapeHtml(s.title)}</a></li>`,
    )
    .join('');
  const body = sections
    .map(
      (s) =>
        `<section class="dl-docs-concept" aria-labelledby="${sectionId(s.id)}">` +
        `<h2 id="${sectionId(s.id)}">${escapeHtml(s.title)}</h2>` +
        renderMarkdown(s.text.trim()) +
        (s.figures ?? []).map(renderFigure).join('') +
        (s.extra?.() ?? '') +
        '</section>',
    )
    .join('\n');
  const lede =
    'How WebAssembly side modules are linked at run time — what the `@dl` packages do, in plain words. ' +
    "The pictures are the playground's own, drawn from sample link graphs of the repository's test libraries; hover a library or a range for its details.";
  return (
    '<article class="dl-docs dl-docs-concepts" data-docs-page="concepts">' +
    '<h1 id="concepts-title">Dynamic linking, in plain words</h1>' +
    `<p class="dl-docs-lede">${renderInline(lede)}</p>` +
    `<nav class="dl-docs-toc" aria-label="On this page"><ol>${toc}</ol></nav>\n${body}</article>`
  );
}
