// @dl/emscripten for Emscripten 3.1.6: routes all side-module loading of an emcc MAIN_MODULE
// program to @dl. Link with:  emcc ... -sMAIN_MODULE=1|2 --js-library <this file>
// At run time the program needs the facade: `Module.dl` (the @dl/emscripten module, e.g.
// `Module = { dl: await import('@dl/emscripten') }`), or, in node, `require('@dl/emscripten')`;
// a -pthread program's workers in a browser load @dl/emscripten/worker (see $dlApiLocation).
//
// Emscripten loads user libraries last and merges them over its own, so these entries replace
// 3.1.6's: $preloadDylibs (load-time libraries: the main's NEEDED + Module.dynamicLibraries),
// _dlopen_js, _dlsym_js and _emscripten_dlopen_js (the imports of its C dlopen/dlsym); with
// dl_unload.c linked, C dlopen/dlclose also reach _dl_opened_js and _dl_dlclose_js (unloading).
// Library functions are emitted from their source text: no closures; everything they use is a
// top-level name of the generated code, pulled in through __deps. Only the _dl*_js entries
// depend on libc's __dl_seterr (through $dlSetError): a program without dlopen must still link.
// Emscripten's dynamic-linking JS API keeps its names (code in EM_ASM, --pre-js or another
// --js-library calls them): $loadDynamicLibrary, $loadWebAssemblyModule, $getDylinkMetadata,
// $reportUndefinedSymbols and $LDSO are routed to the facade too, so nothing reaches 3.1.6's
// own loader; $mergeLibSymbols copies as 3.1.6's does, then makes the library global in @dl.
mergeInto(LibraryManager.library, {
  // The @dl/emscripten module: Module.dl, or require('@dl/emscripten') in node.
  $dlApi: function() {
    var api = Module['dl'];
#if USE_PTHREADS
    // A pthread's worker has a Module of its own: the main thread named the package in the
    // worker's load message (see $dlThreads), on the dynamicLibraries array it posts anyway —
    // in node a file to require, in a browser the classic script @dl/emscripten/worker
    // (dist/dl-emscripten-worker.global.js), which defines dlEmscriptenWorker.
    var named = ENVIRONMENT_IS_PTHREAD && Module['dynamicLibraries'] && Module['dynamicLibraries']['dlApi'];
    if (!api && named && typeof require == 'function') api = Module['dl'] = require(named);
    if (!api && named && typeof importScripts == 'function') {
      importScripts(named);
      api = Module['dl'] = self['dlEmscriptenWorker'];
    }
    if (api && ENVIRONMENT_IS_PTHREAD && api['followEmscripten']) return api;
#endif
    if (!api && typeof require == 'function') api = require('@dl/emscripten');
    if (!api || !api['linkEmscripten']) throw new Error('@dl/emscripten: set Module.dl to the @dl/emscripten module (import("@dl/emscripten")) before the program starts');
    return api;
  },

  // $createInvokeFunction: resolveGlobalSymbol makes invoke_* with it but does not depend on it
  // (in 3.1.6 the replaced $loadWebAssemblyModule did), so a MAIN_MODULE=2 program lacked it.
  $dlFacade__deps: ['$dlApi', '$GOT', '$resolveGlobalSymbol', '$createInvokeFunction', '__heap_base'],
  $dlFacade: function(setError) {
    if (setError) Module['__dlSetError'] = setError;
    if (Module['__dlFacade']) return Module['__dlFacade'];
    var api = dlApi();
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
      // The facade checks what this FS can do: at -O0 a program without file access has a stub.
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
      'callUserCallback': typeof callUserCallback != 'undefined' ? callUserCallback : undefined,
      'assertions': !!{{{ ASSERTIONS }}},
      'err': function(text) { err(text); },
      'abort': function(what) { abort(what); },
      // Runs `run` when the runtime exits (EXIT_RUNTIME: main returned, exit()), just before the
      // main's own atexit list (___funcs_on_exit, the first thing exitRuntime does): side
      // modules' destructors, registered with the linker after the main's own, go first, as
      // in one native list. Without EXIT_RUNTIME there is no ___funcs_on_exit: nothing runs,
      // as in Emscripten.
      'onExit': function(run) {
        if (typeof ___funcs_on_exit != 'function') return;
        var funcsOnExit = ___funcs_on_exit;
        ___funcs_on_exit = function() { run(); return funcsOnExit.apply(null, arguments); };
      }
    };
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      Module['__dlFacade'] = dlFollow(api, ctx);
      return Module['__dlFacade'];
    }
#endif
    Module['__dlFacade'] = api['linkEmscripten'](ctx, Module['dlOptions'] || {});
    return Module['__dlFacade'];
  },

#if USE_PTHREADS
  // --- pthreads (-pthread): each worker's instance follows the main thread's linked program.
  // The main thread watches every worker Emscripten loads: the `load` message names the package
  // (a worker has a Module of its own), each `run` message (a thread starting) carries what the
  // worker lacks, with a port for the updates that follow each later load; when Emscripten
  // terminates the worker (killThread, terminateAllThreads) its blocks go back to the linker
  // (as killThread frees the thread's stack and struct right after terminate()).
  $dlThreads__deps: ['$dlFacade', '$dlApi', '$PThread'],
  $dlThreads__postset: 'dlThreads();',
  $dlThreads: function() {
    if (ENVIRONMENT_IS_PTHREAD) return;
    var load = PThread.loadWasmModuleToWorker;
    PThread.loadWasmModuleToWorker = function(worker) {
      var post = worker.postMessage;
      var terminate = worker.terminate;
      worker.terminate = function() {
        var result = terminate.apply(worker, arguments);
        if (Module['__dlFacade']) Module['__dlFacade']['threadEnd'](worker);
        return result;
      };
      worker.postMessage = function(msg, transfer) {
        if (msg && msg['cmd'] === 'load') {
          var libs = (msg['dynamicLibraries'] || []).slice();
          libs['dlApi'] = dlApiLocation();
          msg['dynamicLibraries'] = libs;
        } else if (msg && msg['cmd'] === 'run') {
          var start = dlFacade(null)['threadStart'](worker, function() {
            var channel = new MessageChannel();
            return { 'ours': channel.port1, 'theirs': channel.port2 };
          });
          if (start) {
            msg['dl'] = start['message'];
            if (start['port']) {
              msg['dlPort'] = start['port'];
              transfer = (transfer || []).concat([start['port']]);
            }
          }
        }
        return post.call(worker, msg, transfer);
      };
      return load.apply(PThread, arguments);
    };
  },

  // Where a worker gets the package from: Module.dlWorkerApi; else in node the file the main
  // thread's Module.dl was required from, in a browser @dl/emscripten/worker's file next to the
  // program's script (locateFile, as Emscripten finds its .worker.js).
  $dlApiLocation__deps: ['$dlApi'],
  $dlApiLocation: function() {
    if (Module['dlWorkerApi']) return Module['dlWorkerApi'];
    if (!ENVIRONMENT_IS_NODE) return locateFile('dl-emscripten-worker.global.js');
    var api = dlApi();
    if (typeof require == 'function' && require.cache) {
      for (var file in require.cache) if (require.cache[file] && require.cache[file].exports === api) return file;
    }
    return undefined;
  },

  // A pthread's dlopen of a library the main thread has not opened: the main thread loads it (the
  // call is proxied, synchronously, as Emscripten proxies file I/O) and, before answering, posts
  // every worker what it lacks; 1, or a malloc()ed copy of the error's code and dlerror() text
  // (the caller's own dlerror() is thread-local: the worker sets it and frees the copy).
  $dlOpenOnMain__proxy: 'sync',
  $dlOpenOnMain__sig: 'ii',
  $dlOpenOnMain__deps: ['$dlFacade', 'malloc'],
  $dlOpenOnMain: function(handle) {
    var text = null;
    var facade = dlFacade(function(msg) { text = msg; });
    if (facade['dlopenJs'](handle)) return 1;
    if (text === null) return 0;
    // The error's code first (the worker's lastError keeps it), then the dlerror() text.
    var error = facade['lastError'];
    text = (error && typeof error['code'] == 'string' ? error['code'] : '') + '\n' + text;
    var size = lengthBytesUTF8(text) + 1;
    var copy = _malloc(size);
    if (copy) stringToUTF8(text, copy, size);
    return copy;
  },

  // On a worker: the follower, taking its images and updates from the `run` messages (before
  // Emscripten's own handler starts the thread) and its port; thread-locals set up afresh at each
  // thread start (PThread.threadInit runs tlsInitFunctions).
  $dlFollow__deps: ['$PThread', '$dlOpenOnMain', 'free'],
  $dlFollow: function(api, ctx) {
    ctx['openOnMain'] = function(handle) { return dlOpenOnMain(handle); };
    var follower = api['followEmscripten'](ctx);
    PThread.tlsInitFunctions.push(function() { follower['threadInit'](); });
    var handle = self.onmessage;
    self.onmessage = function(e) {
      var d = e['data'];
      if (d && d['cmd'] === 'run' && d['dl']) {
        if (d['dlPort']) follower['listen'](d['dlPort']);
        follower['drain']();
        follower['receive'](d['dl']);
      }
      return handle.apply(this, arguments);
    };
    return follower;
  },
#endif

  // Emscripten's JS API is always emitted (3.1.6's $preloadDylibs pulls its loader in the same
  // way), so code that calls it by name finds it in MAIN_MODULE=2 programs too.
#if USE_PTHREADS
  $preloadDylibs__deps: ['$dlFacade', '$loadDynamicLibrary', '$loadWebAssemblyModule', '$getDylinkMetadata', '$reportUndefinedSymbols', '$LDSO', '$dlThreads', '$dlFollow', '$dlApiLocation'],
#else
  $preloadDylibs__deps: ['$dlFacade', '$loadDynamicLibrary', '$loadWebAssemblyModule', '$getDylinkMetadata', '$reportUndefinedSymbols', '$LDSO'],
#endif
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
  },

  // The C half (dl_unload.c, linked with -Wl,--wrap=dlopen -Wl,--wrap=dlclose): 3.1.6's own
  // dlclose never reaches JS, and its dlopen of a name it knows returns without calling
  // _dlopen_js. These are emitted only for programs that link it.
  _dl_opened_js__deps: ['$dlFacade', '$dlSetError'],
  _dl_opened_js__sig: 'iii',
  _dl_opened_js: function(handle, flags) {
    return dlFacade(dlSetError)['openedJs'](handle, flags);
  },

  _dl_dlclose_js__deps: ['$dlFacade', '$dlSetError'],
  _dl_dlclose_js__sig: 'ii',
  _dl_dlclose_js: function(handle) {
    return dlFacade(dlSetError)['dlcloseJs'](handle);
  },

  // --- Emscripten 3.1.6's dynamic-linking JS API, by its names, routed to the facade.
  $loadDynamicLibrary__deps: ['$dlFacade'],
  $loadDynamicLibrary: function(lib, flags, handle) {
    return dlFacade(null)['loadDynamicLibrary'](lib, flags, handle);
  },

  $loadWebAssemblyModule__deps: ['$dlFacade'],
  $loadWebAssemblyModule: function(binary, flags, handle) {
    return dlFacade(null)['loadWebAssemblyModule'](binary, flags, handle);
  },

  // 3.1.6's own copy into the import object and Module (the glue calls it for the main module
  // before anything is set up), then, once the facade exists, what merging means to the linker:
  // a library loadWebAssemblyModule returned joins the global scope.
  $mergeLibSymbols__deps: ['$asmjsMangle'],
  $mergeLibSymbols: function(exports, libName) {
    for (var sym in exports) {
      if (!exports.hasOwnProperty(sym)) continue;
      if (!asmLibraryArg.hasOwnProperty(sym)) asmLibraryArg[sym] = exports[sym];
      var mangled = asmjsMangle(sym);
      if (!Module.hasOwnProperty(mangled)) Module[mangled] = exports[sym];
    }
    if (Module['__dlFacade']) Module['__dlFacade']['mergeLibSymbols'](exports, libName);
  },

  // Also called by the glue for the main module itself, before the runtime is set up: it reads
  // bytes only, so it does not create the facade.
  $getDylinkMetadata__deps: ['$dlApi'],
  $getDylinkMetadata: function(binary) {
    return dlApi()['getDylinkMetadata'](binary);
  },

  $reportUndefinedSymbols__deps: ['$dlFacade'],
  $reportUndefinedSymbols: function() {
    dlFacade(null)['reportUndefinedSymbols']();
  },

  // A live view of the facade's libraries (Emscripten's registry: loadedLibsByName / ByHandle).
  $LDSO__deps: ['$dlFacade'],
  $LDSO: {},
  $LDSO__postset: "Object.defineProperties(LDSO, { 'loadedLibsByName': { get: function() { return dlFacade(null)['LDSO']['loadedLibsByName']; } }, 'loadedLibsByHandle': { get: function() { return dlFacade(null)['LDSO']['loadedLibsByHandle']; } } });"
});
