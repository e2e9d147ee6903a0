// @dl/emscripten for Emscripten 3.1.6: routes all side-module loading of an emcc MAIN_MODULE
// program to @dl. Link with:  emcc ... -sMAIN_MODULE=1|2 --js-library <this file>
// At run time the program needs the facade: `Module.dl` (the @dl/emscripten module, e.g.
// `Module = { dl: await import('@dl/emscripten') }`), or, in node, `require('@dl/emscripten')`.
//
// Emscripten loads user libraries last and merges them over its own, so these entries replace
// 3.1.6's: $preloadDylibs (load-time libraries: the main's NEEDED + Module.dynamicLibraries),
// _dlopen_js, _dlsym_js and _emscripten_dlopen_js (the imports of its C dlopen/dlsym).
// Library functions are emitted from their source text: no closures; everything they use is a
// top-level name of the generated code, pulled in through __deps. Only the _dl*_js entries
// depend on libc's __dl_seterr (through $dlSetError): a program without dlopen must still link.
mergeInto(LibraryManager.library, {
  // $createInvokeFunction: resolveGlobalSymbol makes invoke_* with it but does not depend on it
  // (in 3.1.6 the replaced $loadWebAssemblyModule did), so a MAIN_MODULE=2 program lacked it.
  $dlFacade__deps: ['$GOT', '$resolveGlobalSymbol', '$createInvokeFunction', '__heap_base'],
  $dlFacade: function(setError) {
    if (setError) Module['__dlSetError'] = setError;
    if (Module['__dlFacade']) return Module['__dlFacade'];
    var api = Module['dl'];
    if (!api && typeof require == 'function') api = require('@dl/emscripten');
    if (!api || !api['linkEmscripten']) throw new Error('@dl/emscripten: set Module.dl to the @dl/emscripten module (import("@dl/emscripten")) before the program starts');
    var ctx = {
      'version': '3.1.6',
      'Module': Module,
      'memory': wasmMemory,
      'table': wasmTable,
      'stackPointer': asmLibraryArg['__stack_pointer'],
      'mainExports': Module['asm'],
      'got': GOT,
      'imports': asmLibraryArg,
      'malloc': function(n) { return _malloc(n); },
      'free': function(p) { _free(p); },
      'runtimeInitialized': function() { return runtimeInitialized; },
      'heapBase': {
        'get': function() { return ___heap_base; },
        'set': function(v) { ___heap_base = v; if (GOT['__heap_base']) GOT['__heap_base'].value = v; }
      },
      'addInit': function(f) { __ATINIT__.push(f); },
      'resolveGlobalSymbol': function(name) { return resolveGlobalSymbol(name, true); },
      'dynamicLibraries': function() { return dynamicLibraries; },
      'fs': typeof FS != 'undefined' ? FS : null,
      'readBinary': typeof readBinary != 'undefined' ? readBinary : null,
      'readAsync': typeof readAsync != 'undefined' ? readAsync : null,
      'setError': function(msg) { var set = Module['__dlSetError']; if (set) set(msg); },
      'readString': function(ptr) { return UTF8ToString(ptr); },
      // Side modules' EM_JS / EM_ASM, evaluated here (in the glue's scope, as Emscripten's own
      // loader does) and only when Module.dlOptions.allowEval is true.
      'evaluate': function(source) { return eval(source); },
      'runDependency': { 'add': addRunDependency, 'remove': removeRunDependency },
      'keepalive': typeof runtimeKeepalivePush != 'undefined' ? { 'push': runtimeKeepalivePush, 'pop': runtimeKeepalivePop } : undefined,
      'callUserCallback': typeof callUserCallback != 'undefined' ? callUserCallback : undefined
    };
    Module['__dlFacade'] = api['linkEmscripten'](ctx, Module['dlOptions'] || {});
    return Module['__dlFacade'];
  },

  $preloadDylibs__deps: ['$dlFacade'],
  $preloadDylibs: function() {
    dlFacade(null)['preload']();
  },

  _dlopen_js__deps: ['$dlFacade', '$dlSetError'],
  _dlopen_js__sig: 'ii',
  _dlopen_js: function(handle) {
    return dlFacade(dlSetError)['dlopenJs'](handle);
  },

  _dlsym_js__deps: ['$dlFacade', '$dlSetError'],
  _dlsym_js__sig: 'iii',
  _dlsym_js: function(handle, symbol) {
    return dlFacade(dlSetError)['dlsymJs'](handle, symbol);
  },

  _emscripten_dlopen_js__deps: ['$dlFacade', '$dlSetError', '$callUserCallback', '$runtimeKeepalivePush', '$runtimeKeepalivePop'],
  _emscripten_dlopen_js__sig: 'viii',
  _emscripten_dlopen_js: function(handle, onsuccess, onerror) {
    dlFacade(dlSetError)['emscriptenDlopenJs'](handle, onsuccess, onerror);
  }
});
