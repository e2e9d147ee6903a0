/** An error as the API reports it: its DlError code, its message, and what the code means. */
import { errorCodes, isDlErrorCode } from '@dl/errors';
import type { ErrorInfo } from '../worker/protocol.js';
import { h } from './dom.js';

/** A box showing `CODE message` (or `Name: message` for non-DlErrors), with the code's meaning. */
export function errorBox(error: ErrorInfo, context?: string): HTMLElement {
  const meaning = error.code !== null && isDlErrorCode(error.code) ? errorCodes[error.code] : null;
  return h(
    'div',
    { class: 'error', role: 'alert', dataset: { code: error.code ?? error.name } },
    context === undefined ? null : h('div', { class: 'error-context' }, context),
    h(
      'div',
      {},
      h('code', { class: 'error-code' }, error.code ?? error.name),
      ' ',
      h('span', { class: 'error-message' }, error.message),
    ),
    meaning === null ? null : h('div', { class: 'error-meaning' }, `${error.code ?? ''}: ${meaning}`),
  );
}
