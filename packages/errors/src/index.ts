export { errorCodes, isDlErrorCode } from './codes.js';
export type { DlErrorCode } from './codes.js';
export { DlError, isDlError } from './dl-error.js';
export type { DlErrorContext, DlErrorJSON } from './dl-error.js';
export { DlFormatError } from './format-error.js';
export { messageOf } from './message-of.js';
