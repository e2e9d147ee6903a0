/** A WebAssembly exception tag (the exception-handling proposal; TypeScript's lib lacks the type). */
export type WasmTag = object & { readonly __brand?: 'WebAssembly.Tag' };

type TagConstructor = new (type: { parameters: string[] }) => WasmTag;

/** Creates a tag with these parameter types; throws when the engine has no exception handling. */
export function newTag(parameters: readonly string[]): WasmTag {
  const Tag = (WebAssembly as unknown as { Tag?: TagConstructor }).Tag;
  if (Tag === undefined) throw new TypeError('this engine has no WebAssembly.Tag (exception handling)');
  return new Tag({ parameters: [...parameters] });
}
