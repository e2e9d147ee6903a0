/** The playground's pictures: pure functions from a `LinkGraph` to SVG/HTML strings (no DOM). */
export { graphSvg } from './graph-svg.js';
export { memoryMapSvg, tableMapSvg } from './maps.js';
export { symbolTableHtml } from './symbol-table.js';
export { escapeXml } from './escape.js';
export { picturesCss } from './css.js';
