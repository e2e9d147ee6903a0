/**
 * The API model vite.config.ts generates with TypeDoc at build time (src/docs/api-typedoc.ts).
 * Typed `unknown` here (an ambient module cannot name a relative one); docs-chunk.ts gives it its type.
 */
declare module 'virtual:dl-api' {
  const api: unknown;
  export default api;
}
