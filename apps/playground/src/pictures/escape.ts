/** Text and attribute escaping for the SVG and HTML strings the pictures build. */

const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * `text` safe inside XML/HTML text and inside a double- or single-quoted attribute value.
 * Characters XML 1.0 forbids (C0 controls other than tab/newline/CR, lone surrogates,
 * U+FFFE/U+FFFF) become U+FFFD, so a hostile library name cannot make the SVG ill-formed.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => entities[c] ?? c)
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      '\uFFFD',
    );
}
