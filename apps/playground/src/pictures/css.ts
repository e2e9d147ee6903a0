/** The stylesheet of the pictures: hover effects and the symbol table's highlights. */

/** CSS for the classes the pictures use (`dl-picture`, `dl-node`, `dl-edge`, `dl-range`, `dl-symbols`…). */
export const picturesCss = `
.dl-picture { max-width: 100%; height: auto; }
.dl-picture text { pointer-events: none; }
.dl-node rect, .dl-range rect { transition: filter 120ms, stroke-width 120ms; }
.dl-node:hover rect { filter: brightness(0.93); stroke-width: 3; }
.dl-edge path { transition: stroke-width 120ms; }
.dl-edge:hover path { stroke-width: 3.2; }
.dl-graph:has(.dl-node:hover) .dl-edge { opacity: 0.45; }
.dl-graph:has(.dl-node:hover) .dl-edge:hover { opacity: 1; }
.dl-range:hover rect { filter: brightness(0.88); stroke-width: 2; }
.dl-range:hover .dl-range-text { font-weight: 700; }
.dl-range .dl-range-text { pointer-events: auto; }

.dl-symbols { border-collapse: collapse; font: 13px/1.4 system-ui, sans-serif; width: 100%; }
.dl-symbols caption { text-align: left; font-weight: 600; padding: 4px 0; }
.dl-symbols th, .dl-symbols td { padding: 3px 8px; border-bottom: 1px solid #e1e5e9; text-align: left; vertical-align: top; }
.dl-symbols thead th { border-bottom: 2px solid #8a949e; }
.dl-symbols .dl-symbol, .dl-symbols .dl-provider, .dl-symbols .dl-library, .dl-symbols .dl-module { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 400; }
.dl-symbols .dl-order { color: #5b6570; }
.dl-symbols .dl-note { color: #4a5561; }
.dl-symbols tbody tr:hover { background: #f0f4f8; }
.dl-symbols tr.own { color: #6b7580; }
.dl-symbols tr.lazy { background: #eef4fc; }
.dl-symbols tr.lazy .dl-symbol::after { content: ' (PLT)'; color: #2f6db5; font-size: 11px; }
.dl-symbols tr.unbound { background: #f4f4f4; color: #6b7580; }
.dl-symbols tr.unbound .dl-provider { font-style: italic; }
.dl-symbols tr.weak .dl-symbol::after { content: ' (weak)'; color: #7f8124; font-size: 11px; }
.dl-symbols tr.interposed { background: #fdeccf; }
.dl-symbols tr.interposed .dl-symbol { font-weight: 700; }
.dl-symbols tr.interposed td:first-child { box-shadow: inset 3px 0 0 #c0660e; }
.dl-symbols .dl-interpositions-heading th { background: #f4f6f8; font-weight: 600; font-family: inherit; }
.dl-symbols .dl-swatch { display: inline-block; width: 9px; height: 9px; margin-right: 5px; border: 1px solid; border-radius: 2px; vertical-align: baseline; }
.dl-symbols tr.dl-interposition { background: #fff7ea; }
`;
