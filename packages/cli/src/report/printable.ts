/**
 * Text from an inspected file (NEEDED names, export names, paths, messages quoting them) made
 * safe for a terminal: C0 and C1 control characters (ESC, BEL, CR, newline…), DEL, and the
 * Unicode bidirectional and invisible formatting controls are written as escapes, so a file
 * cannot set the terminal's title, clear the screen, hide or reorder text, or forge lines.
 * Backslashes are kept as they are (messages quote `"\0asm"`); the escapes are `\xHH` and `\u{H…}`.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
}

/** One field (a name, a path): every non-printable character escaped, newlines included. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Whole lines of output: like {@link printable}, but newlines and tabs stay. */
export function printableLines(text: string): string {
  return text.replace(UNSAFE, (c) => (c === '\n' || c === '\t' ? c : escapeChar(c)));
}
