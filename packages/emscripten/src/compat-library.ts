/**
 * The compatibility library's bytes, in a file of this package's own (`dist/compat-library.js`,
 * not an entry of the package): what `compat-bytes.ts` imports on demand, by a relative path
 * that a page loading the package's files without a bundler or an import map resolves too.
 */
export { compatLibrary } from '@dl/linker/compat-library';
