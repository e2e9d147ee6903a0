// own (tree-sitter suite): web-tree-sitter 0.27.1's own loader — Parser.init (it reads and
// instantiates its main), then Language.load + one parse per grammar (ts-common.mjs).
// With `--refusals` it times nothing: it checks that its loader refuses every grammar of the
// manifest (the legacy `dylink` section) and prints {"refused", "of", "messages"}.
import { readFileSync } from 'node:fs';
import { fail, manifest, treeSitterRun } from './ts-common.mjs';

const T = await import('web-tree-sitter');
if (process.argv[3] === '--refusals') {
  const m = manifest();
  await T.Parser.init({ locateFile: () => m.main });
  let refused = 0;
  const messages = new Set();
  for (const { path } of m.modules) {
    try {
      await T.Language.load(new Uint8Array(readFileSync(path)));
    } catch (e) {
      refused++;
      messages.add(
        `${e?.constructor?.name ?? typeof e}: ${JSON.stringify(e instanceof Error ? e.message : String(e))}`,
      );
    }
  }
  console.log(JSON.stringify({ refused, of: m.modules.length, messages: [...messages] }));
  if (refused !== m.modules.length) fail(`web-tree-sitter's loader loaded ${m.modules.length - refused} of them`);
} else {
  await treeSitterRun(T, (main) => T.Parser.init({ locateFile: () => main }));
}
