/**
 * Inputs for the bash and yaml grammars, whose external scanners call what web-tree-sitter's
 * main does not export (bash: `isalpha`; yaml: `operator new`/`delete`): heredocs, expansions,
 * case and test constructs, loops and redirections; anchors, block scalars, flow collections, tags, several documents.
 * Test data, not part of the package.
 */
import { treeSitterSample } from '@dl/fixtures';

/** Several inputs per grammar, the catalog's own sample first. */
export const compatSamples: Readonly<Record<'bash' | 'yaml', readonly string[]>> = {
  bash: [
    treeSitterSample('bash'),
    "cat <<EOF\nhello $USER, today is $(date +%A)\nEOF\ncat <<-'END'\n\tliteral $x\n\tEND\n",
    'case "$1" in\n  start|stop) echo "$1";;\n  *) exit 1;;\nesac\nif [[ $x =~ ^[a-z]+$ && -n "$y" ]]; then echo ok; fi\n',
    'arr=(a b c)\necho ${arr[@]} ${#arr[@]} ${var:-default} ${var//a/b} ${var#*.}\n((i++))\nfunction f() { local x=$((1 + 2)); echo "$x"; }\n',
    'while read -r line; do\n  printf \'%s\\n\' "$line" | grep -q foo && echo yes\ndone < input.txt 2>/dev/null\nexport PATH="$HOME/bin:$PATH"\n',
  ],
  yaml: [
    treeSitterSample('yaml'),
    '---\nanchors:\n  base: &base\n    a: 1\n  derived:\n    <<: *base\n    b: [1, 2, {c: d}]\n...\n',
    'text: |\n  line one\n  line two\nfolded: >-\n  folded\n  text\nkeep: |+\n  kept\n\n',
    '- name: "quoted \\"str\\""\n  value: \'single\'\n- ? complex key\n  : complex value\n# a comment\n- plain: multi word scalar\n',
    '%YAML 1.2\n---\n!!map {a: !!str 1, b: null}\n---\n- !custom x\n- 2001-12-14t21:59:43.10-05:00\n',
  ],
};
