/**
 * The bundled example sets: real fixtures from the corpus (clang-16 builds) and real grammars
 * from @vscode/tree-sitter-wasm, emitted by vite as assets of the app (`?url`).
 */
import libctor from '../../../tooling/fixtures/wasm/clang16/libctor.so?url';
import libfptr from '../../../tooling/fixtures/wasm/clang16/libfptr.so?url';
import libneedA from '../../../tooling/fixtures/wasm/clang16/libneed_a.so?url';
import libneedB from '../../../tooling/fixtures/wasm/clang16/libneed_b.so?url';
import libneedC from '../../../tooling/fixtures/wasm/clang16/libneed_c.so?url';
import libreloc from '../../../tooling/fixtures/wasm/clang16/libreloc.so?url';
import librelocBsym from '../../../tooling/fixtures/wasm/clang16/libreloc_bsym.so?url';
import libweakStrong from '../../../tooling/fixtures/wasm/clang16/libweak_strong.so?url';
import libweakWeakdef from '../../../tooling/fixtures/wasm/clang16/libweak_weakdef.so?url';
import libreload from '../../../tooling/fixtures/wasm/clang16/libreload.so?url';
import libreloadBig from '../../../tooling/fixtures/wasm/clang16/libreload_big.so?url';
import libreloadCaller from '../../../tooling/fixtures/wasm/clang16/libreload_caller.so?url';
import libreloadCtor from '../../../tooling/fixtures/wasm/clang16/libreload_ctor.so?url';
import libreloadSig from '../../../tooling/fixtures/wasm/clang16/libreload_sig.so?url';
import libreloadV2 from '../../../tooling/fixtures/wasm/clang16/libreload_v2.so?url';
import libunload from '../../../tooling/fixtures/wasm/clang16/libunload.so?url';
import mainWasm from '../../../tooling/fixtures/wasm/clang16/main.wasm?url';
import badUtf8Needed from '../../../tooling/fixtures/wasm/malformed/bad-utf8-needed.so?url';
import elf from '../../../tooling/fixtures/wasm/malformed/elf.so?url';
import html404 from '../../../tooling/fixtures/wasm/malformed/html-404.so?url';
import hugeImportCount from '../../../tooling/fixtures/wasm/malformed/huge-import-count.so?url';
import noDylink from '../../../tooling/fixtures/wasm/malformed/no-dylink.wasm?url';
import truncatedDylink from '../../../tooling/fixtures/wasm/malformed/truncated-dylink.so?url';
import css from '@vscode/tree-sitter-wasm/wasm/tree-sitter-css.wasm?url';
import go from '@vscode/tree-sitter-wasm/wasm/tree-sitter-go.wasm?url';
import ini from '@vscode/tree-sitter-wasm/wasm/tree-sitter-ini.wasm?url';
import javascript from '@vscode/tree-sitter-wasm/wasm/tree-sitter-javascript.wasm?url';
import python from '@vscode/tree-sitter-wasm/wasm/tree-sitter-python.wasm?url';
import regex from '@vscode/tree-sitter-wasm/wasm/tree-sitter-regex.wasm?url';
import { sqliteExample } from './sqlite-example.js';
import type { ReadyQuery } from './sqlite-example.js';
import type { LibraryChoice, ProgramChoice } from './worker/protocol.js';

/** One example: its files, and how to link them. */
export interface ExampleSet {
  /** What the URL records: `#example=<id>`. */
  readonly id: string;
  readonly title: string;
  /** One or two sentences: what to look at. */
  readonly description: string;
  readonly files: readonly { readonly name: string; readonly url: string }[];
  readonly program: ProgramChoice;
  /** The libraries opened, in order, with their flags (their NEEDED libraries come along). */
  readonly libraries: readonly LibraryChoice[];
  /** A function worth calling first, and what it should return. */
  readonly tryCalling?: { readonly library: string; readonly name: string; readonly expect: string };
  /** A WASI program the Run tab runs with queries (sqlite-example.ts), instead of a link. */
  readonly wasi?: WasiExample;
  /** Other builds of a library among the files, offered first by its Reload (Link tab). */
  readonly builds?: Readonly<Record<string, readonly string[]>>;
}

/** A WASI main run per query in the worker, `dlopen`ing the set's files. */
export interface WasiExample {
  /** The main, or null when its build outputs are missing. */
  readonly main: { readonly name: string; readonly url: string } | null;
  /** Build outputs not found when the app was built. */
  readonly missing: readonly string[];
  /** The command that builds them. */
  readonly buildCommand: string;
  /** The files given to C's dlopen. */
  readonly libraries: readonly string[];
  readonly queries: readonly ReadyQuery[];
}

const file = (name: string, url: string): { name: string; url: string } => ({ name, url });
const now = (name: string, scope: 'global' | 'local' = 'global'): LibraryChoice => ({ name, binding: 'now', scope });
const host: ProgramChoice = { kind: 'host' };

/** Every example set, in menu order. */
export const exampleSets: readonly ExampleSet[] = [
  {
    id: 'needed-chain',
    title: 'NEEDED chain',
    description:
      'libneed_c.so needs libneed_b.so, which needs libneed_a.so: opening c loads all three, dependencies first, with data relocations across them.',
    files: [file('libneed_a.so', libneedA), file('libneed_b.so', libneedB), file('libneed_c.so', libneedC)],
    program: host,
    libraries: [now('libneed_c.so')],
    tryCalling: { library: 'libneed_c.so', name: 'need_c_check', expect: '0' },
  },
  {
    id: 'local-groups',
    title: 'RTLD_LOCAL groups',
    description:
      'libreloc.so and libreloc_bsym.so define the same names; each is opened RTLD_LOCAL, so each gets its own scope and neither interposes the other. libneed_c.so is a local group of three.',
    files: [
      file('libreloc.so', libreloc),
      file('libreloc_bsym.so', librelocBsym),
      file('libneed_a.so', libneedA),
      file('libneed_b.so', libneedB),
      file('libneed_c.so', libneedC),
    ],
    program: host,
    libraries: [now('libreloc.so', 'local'), now('libreloc_bsym.so', 'local'), now('libneed_c.so', 'local')],
    tryCalling: { library: 'libreloc_bsym.so', name: 'reloc_check', expect: '0' },
  },
  {
    id: 'weak-pair',
    title: 'Weak and strong symbols',
    description:
      'libweak_weakdef.so defines weakly what its NEEDED libweak_strong.so defines strongly; the dependency is loaded first, so the strong definitions win.',
    files: [file('libweak_strong.so', libweakStrong), file('libweak_weakdef.so', libweakWeakdef)],
    program: host,
    libraries: [now('libweak_weakdef.so')],
    tryCalling: { library: 'libweak_weakdef.so', name: 'weak_pair_check', expect: '0' },
  },
  {
    id: 'cpp-ctors',
    title: 'C++ constructors',
    description:
      'libctor.so runs C++ constructors with priorities 200 and 300, then a dynamic initialiser; they call the host (host_note) and read its data.',
    files: [file('libctor.so', libctor)],
    program: host,
    libraries: [now('libctor.so')],
    tryCalling: { library: 'libctor.so', name: 'ctor_check', expect: '0' },
  },
  {
    id: 'grammars',
    title: 'tree-sitter grammars',
    description:
      'Six real grammars of @vscode/tree-sitter-wasm 0.3.1 (Emscripten side modules), linked into one JS host that gives them malloc and the few libc functions they import.',
    files: [
      file('tree-sitter-css.wasm', css),
      file('tree-sitter-go.wasm', go),
      file('tree-sitter-ini.wasm', ini),
      file('tree-sitter-javascript.wasm', javascript),
      file('tree-sitter-python.wasm', python),
      file('tree-sitter-regex.wasm', regex),
    ],
    program: host,
    libraries: ['css', 'go', 'ini', 'javascript', 'python', 'regex'].map((id) => now(`tree-sitter-${id}.wasm`)),
  },
  {
    id: 'main-module',
    title: 'A main module',
    description:
      'main.wasm, a relocatable (PIE) main module, is the program: the linker loads it with its NEEDED libreloc.so and libfptr.so in one pass.',
    files: [file('main.wasm', mainWasm), file('libreloc.so', libreloc), file('libfptr.so', libfptr)],
    program: { kind: 'main', name: 'main.wasm' },
    libraries: [],
    tryCalling: { library: 'main.wasm', name: 'main_run', expect: '0' },
  },
  {
    id: 'unload-reload',
    title: 'Unloading and hot reload',
    description:
      "Close libunload.so: its destructors and unload hook run (host_note), its memory is freed and its table slots quarantined. Reload libreload.so with another build: libreload_caller.so's stored pointer calls the new code; a changed signature or data size, or a trapping constructor, is refused and the old build keeps running.",
    files: [
      file('libunload.so', libunload),
      file('libreload.so', libreload),
      file('libreload_caller.so', libreloadCaller),
      file('libreload_v2.so', libreloadV2),
      file('libreload_sig.so', libreloadSig),
      file('libreload_big.so', libreloadBig),
      file('libreload_ctor.so', libreloadCtor),
    ],
    program: host,
    libraries: [now('libunload.so'), { ...now('libreload.so'), reloadable: true }, now('libreload_caller.so')],
    builds: { 'libreload.so': ['libreload_v2.so', 'libreload_sig.so', 'libreload_big.so', 'libreload_ctor.so'] },
    tryCalling: { library: 'libreload_caller.so', name: 'caller_stored', expect: '1' },
  },
  {
    id: 'bad-input',
    title: 'Malformed files',
    description:
      'Files from the malformed corpus: an HTML page, an ELF file, truncated and hostile ones. Each gets its error code and message; nothing is linked.',
    files: [
      file('html-404.so', html404),
      file('elf.so', elf),
      file('truncated-dylink.so', truncatedDylink),
      file('huge-import-count.so', hugeImportCount),
      file('bad-utf8-needed.so', badUtf8Needed),
      file('no-dylink.wasm', noDylink),
    ],
    program: host,
    libraries: [],
  },
  sqliteExample,
];

/** The example set with this id, or undefined. */
export function exampleSet(id: string): ExampleSet | undefined {
  return exampleSets.find((set) => set.id === id);
}
