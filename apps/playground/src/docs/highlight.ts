/**
 * Syntax highlighting for the docs' code blocks: a small tokenizer for TypeScript/JavaScript/JSON
 * and for shell commands. It only wraps tokens in `<span class="tok-…">`; the text stays exactly
 * the code (escaped), so copying a block copies the code.
 */
import { escapeHtml } from './escape.js';

/** The token classes: `tok-keyword`, `tok-string`, `tok-number`, `tok-comment`, `tok-type`, `tok-prompt`. */
export type TokenKind = 'keyword' | 'string' | 'number' | 'comment' | 'type' | 'prompt';

const keywords = new Set([
  'as',
  'async',
  'await',
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'default',
  'delete',
  'do',
  'else',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'from',
  'function',
  'if',
  'implements',
  'import',
  'in',
  'instanceof',
  'interface',
  'let',
  'new',
  'null',
  'of',
  'readonly',
  'return',
  'static',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'type',
  'typeof',
  'undefined',
  'var',
  'void',
  'while',
  'yield',
]);

/** Comments, strings (single, double, template), numbers, identifiers; anything else is one character. */
const scriptToken =
  /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^'\\\n]|\\.)*'?|"(?:[^"\\\n]|\\.)*"?|`(?:[^`\\]|\\[\s\S])*`?)|(\b(?:0[xX][\da-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?n?)\b)|([A-Za-z_$][\w$]*)|([\s\S])/g;

/** `# comment`, quoted strings, a leading `$ ` prompt; the rest plain. */
const shellToken = /(#[^\n]*)|('[^'\n]*'?|"(?:[^"\\\n]|\\.)*"?)|([\s\S])/g;

function span(kind: TokenKind, text: string): string {
  return `<span class="tok-${kind}">${escapeHtml(text)}</span>`;
}

function highlightScript(code: string): string {
  let out = '';
  for (const m of code.matchAll(scriptToken)) {
    const [text, comment, string, number, word] = m;
    if (comment !== undefined) out += span('comment', text);
    else if (string !== undefined) out += span('string', text);
    else if (number !== undefined) out += span('number', text);
    else if (word !== undefined)
      out += keywords.has(word) ? span('keyword', word) : /^[A-Z]/.test(word) ? span('type', word) : escapeHtml(word);
    else out += escapeHtml(text);
  }
  return out;
}

function highlightShell(code: string): string {
  return code
    .split('\n')
    .map((line) => {
      const prompt = /^\$ /.exec(line);
      let out = prompt === null ? '' : span('prompt', '$ ');
      // A `#` starts a comment only at a word's start (`a#b` is a word).
      for (const m of line.slice(prompt === null ? 0 : 2).matchAll(shellToken)) {
        const [text, comment, string] = m;
        const start = m.index;
        const atWordStart = start === 0 || /\s/.test(line.slice(prompt === null ? 0 : 2)[start - 1] ?? ' ');
        if (comment !== undefined && atWordStart) out += span('comment', text);
        else if (string !== undefined) out += span('string', text);
        else out += escapeHtml(text);
      }
      return out;
    })
    .join('\n');
}

/** The code as escaped HTML with its tokens wrapped; unknown languages are only escaped. */
export function highlight(code: string, language: string): string {
  const lang = language.toLowerCase();
  if (['ts', 'tsx', 'typescript', 'js', 'mjs', 'cjs', 'javascript', 'jsx', 'json', 'jsonc'].includes(lang))
    return highlightScript(code);
  if (['sh', 'bash', 'shell', 'console', 'zsh'].includes(lang)) return highlightShell(code);
  return escapeHtml(code);
}
