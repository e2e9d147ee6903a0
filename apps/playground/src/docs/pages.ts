/** The docs' pages: concepts first, then the packages from the bottom of the stack up. */
export const docsPages: readonly { readonly id: string; readonly title: string }[] = [
  { id: 'concepts', title: 'Concepts' },
  { id: 'errors', title: '@dl/errors' },
  { id: 'reader', title: '@dl/reader' },
  { id: 'layout', title: '@dl/layout' },
  { id: 'symbols', title: '@dl/symbols' },
  { id: 'linker', title: '@dl/linker' },
  { id: 'loaders', title: '@dl/loaders' },
  { id: 'emscripten', title: '@dl/emscripten' },
  { id: 'cli', title: '@dl/cli' },
];
