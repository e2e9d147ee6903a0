/** The docs pages' stylesheet: every rule is scoped under `.dl-docs`. */

/** CSS for the pages `renderDocs` returns (readable width, tables, code, API entries, figures). */
export const docsCss = `
.dl-docs { max-width: 52rem; margin: 0 auto; padding: 0 1rem 3rem; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232a; }
.dl-docs h1, .dl-docs h2, .dl-docs h3, .dl-docs h4 { line-height: 1.25; margin: 1.8em 0 0.6em; scroll-margin-top: 1rem; }
.dl-docs h1 { font-size: 2rem; margin-top: 0.8em; }
.dl-docs h2 { font-size: 1.45rem; padding-bottom: 0.25em; border-bottom: 1px solid #e1e5e9; }
.dl-docs h3 { font-size: 1.2rem; }
.dl-docs h4 { font-size: 1.05rem; margin: 0 0 0.4em; }
.dl-docs p, .dl-docs ul, .dl-docs ol, .dl-docs table, .dl-docs pre, .dl-docs blockquote, .dl-docs figure { margin: 0 0 1em; }
.dl-docs ul, .dl-docs ol { padding-left: 1.6em; }
.dl-docs li + li { margin-top: 0.25em; }
.dl-docs a { color: #1f5fa8; }
.dl-docs a:hover { text-decoration-thickness: 2px; }
.dl-docs code { font: 0.88em/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: #f2f4f6; border-radius: 4px; padding: 0.1em 0.3em; overflow-wrap: break-word; }
.dl-docs pre { background: #f6f8fa; border: 1px solid #e1e5e9; border-radius: 6px; padding: 0.75em 1em; overflow-x: auto; line-height: 1.45; }
.dl-docs pre code { background: none; padding: 0; font-size: 0.85em; overflow-wrap: normal; white-space: pre; }
.dl-docs blockquote { border-left: 4px solid #d0d7de; padding: 0 1em; color: #4a5561; }
.dl-docs table { border-collapse: collapse; display: block; max-width: 100%; overflow-x: auto; font-size: 0.92em; }
.dl-docs th, .dl-docs td { border: 1px solid #d0d7de; padding: 0.4em 0.7em; text-align: left; vertical-align: top; }
.dl-docs thead th { background: #f2f4f6; }
.dl-docs tbody tr:nth-child(even) { background: #fafbfc; }
.dl-docs caption { caption-side: top; text-align: left; font-weight: 600; padding: 0.3em 0; }
.dl-docs hr { border: 0; border-top: 1px solid #e1e5e9; margin: 2em 0; }
.dl-docs .dl-docs-link-text { border-bottom: 1px dotted #8a949e; }
.dl-docs .dl-docs-lede { font-size: 1.1em; color: #3a4551; }
.dl-docs .dl-docs-toc { background: #f6f8fa; border: 1px solid #e1e5e9; border-radius: 6px; padding: 0.6em 1em; margin-bottom: 1.5em; }
.dl-docs .dl-docs-toc ol { margin: 0; }
.dl-docs .dl-docs-figure { margin: 1.2em 0 1.6em; }
.dl-docs .dl-docs-figure svg { max-width: 100%; height: auto; display: block; }
.dl-docs .dl-docs-figure figcaption { font-size: 0.9em; color: #4a5561; margin-top: 0.4em; }
.dl-docs .dl-docs-figure-error { color: #9b1c31; }
.dl-docs .dl-docs-pages { columns: 2 14rem; }
.dl-docs .dl-docs-api { margin-top: 3em; }
.dl-docs .dl-api-intro { color: #3a4551; }
.dl-docs .dl-api-index { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.3em 0.6em; font-size: 0.9em; }
.dl-docs .dl-api-index li + li { margin-top: 0; }
.dl-docs .dl-api-count { color: #6b7580; font-weight: 400; font-size: 0.85em; }
.dl-docs .dl-api-entry { border: 1px solid #e1e5e9; border-radius: 6px; padding: 0.8em 1em 0.2em; margin: 0 0 1em; scroll-margin-top: 1rem; }
.dl-docs .dl-api-entry h4 code { font-size: 1em; background: none; padding: 0; }
.dl-docs .dl-api-kind { font-size: 0.75em; font-weight: 500; color: #ffffff; background: #5a6b7c; border-radius: 999px; padding: 0.1em 0.6em; vertical-align: 0.1em; }
.dl-docs .dl-api-entry[data-kind="function"] .dl-api-kind { background: #2f6db5; }
.dl-docs .dl-api-entry[data-kind="class"] .dl-api-kind { background: #7a3fb0; }
.dl-docs .dl-api-entry[data-kind="const"] .dl-api-kind { background: #2e7d4f; }
.dl-docs .dl-api-signature { margin-bottom: 0.6em; }
.dl-docs .dl-api-signature code { white-space: pre-wrap; overflow-wrap: anywhere; }
.dl-docs .dl-api-undocumented, .dl-docs .dl-api-missing { color: #6b7580; font-style: italic; }
.dl-docs .dl-api-tags { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; font-size: 0.92em; }
.dl-docs .dl-api-tags dt { font-weight: 600; color: #3a4551; }
.dl-docs .dl-api-tags dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.dl-docs .dl-api-tags dd code { overflow-wrap: anywhere; }
.dl-docs .dl-api-members { border-top: 1px solid #e1e5e9; padding-top: 0.6em; font-size: 0.92em; }
.dl-docs .dl-api-members dt { margin-top: 0.5em; }
.dl-docs .dl-api-members dt code { white-space: pre-wrap; }
.dl-docs .dl-api-members dd { margin: 0.15em 0 0 1.2em; color: #3a4551; }
.dl-docs .dl-api-members dd > p:last-child, .dl-docs .dl-api-doc > p:last-child { margin-bottom: 0.6em; }
.dl-docs .dl-docs-bindings td:first-child { white-space: nowrap; }
.dl-docs .tok-keyword { color: #8a2be2; }
.dl-docs .tok-string { color: #1a7f37; }
.dl-docs .tok-number { color: #b35900; }
.dl-docs .tok-comment { color: #56606b; font-style: italic; }
.dl-docs .tok-type { color: #0b66a8; }
.dl-docs .tok-prompt { color: #6b7580; user-select: none; }
@media (prefers-color-scheme: dark) {
  .dl-docs { color: #e6e9ec; }
  .dl-docs a { color: #8dbbf2; }
  .dl-docs h2, .dl-docs hr { border-color: #3a434d; }
  .dl-docs code { background: #252c34; }
  .dl-docs pre, .dl-docs .dl-docs-toc { background: #1c2127; border-color: #3a434d; }
  .dl-docs pre code { background: none; }
  .dl-docs blockquote { border-color: #4a545e; color: #b9c1c9; }
  .dl-docs th, .dl-docs td { border-color: #3a434d; }
  .dl-docs thead th, .dl-docs .dl-api-interpositions-heading th { background: #232a31; }
  .dl-docs tbody tr:nth-child(even) { background: #1a1f24; }
  .dl-docs .dl-docs-lede, .dl-docs .dl-api-intro, .dl-docs .dl-api-tags dt, .dl-docs .dl-api-members dd, .dl-docs .dl-docs-figure figcaption { color: #c3cbd3; }
  .dl-docs .dl-api-count, .dl-docs .dl-api-undocumented, .dl-docs .dl-api-missing { color: #a3adb8; }
  .dl-docs .dl-api-entry, .dl-docs .dl-api-members { border-color: #3a434d; }
  .dl-docs .dl-docs-figure svg { background: #ffffff; border-radius: 6px; }
  .dl-docs .dl-docs-figure-error { color: #ff9c92; }
  .dl-docs .tok-keyword { color: #d2a8ff; }
  .dl-docs .tok-string { color: #7ee787; }
  .dl-docs .tok-number { color: #ffa657; }
  .dl-docs .tok-comment, .dl-docs .tok-prompt { color: #9aa5b1; }
  .dl-docs .tok-type { color: #79c0ff; }
}
`;
