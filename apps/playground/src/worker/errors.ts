/** Errors as the page shows them: the DlError code and message the API gives, or the engine's. */
import { isDlError } from '@dl/errors';
import type { ErrorInfo } from './protocol.js';

/** Turns anything thrown into an {@link ErrorInfo}: `DlError`s keep their code and message. */
export function errorInfo(error: unknown): ErrorInfo {
  if (isDlError(error)) return { code: error.code, name: error.name, message: error.message };
  if (error instanceof Error) return { code: null, name: error.name, message: error.message };
  return { code: null, name: 'Error', message: String(error) };
}
