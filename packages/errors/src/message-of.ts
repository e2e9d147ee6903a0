/**
 * The message of anything thrown: an `Error`'s `message`, otherwise its string form.
 * One home for the `e instanceof Error ? e.message : String(e)` idiom.
 *
 * @example
 * messageOf(new TypeError('bad')); // 'bad'
 * messageOf(42); // '42'
 */
export function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
