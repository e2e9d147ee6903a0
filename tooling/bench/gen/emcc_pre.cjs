// --pre-js of main_emcc.c (Emscripten 3.1.6). Arguments: MODE N DIR (see main_emcc.c).
// - preload: Module.dynamicLibraries = DIR/bm_0.so … bm_<N-1>.so (load-time linking).
// - Records when the main module's instance is ready (Module.benchMainReady), and sums the
//   compile and instantiate time of the side modules (Module.benchCompileMs/InstantiateMs):
//   sync dlopen uses new WebAssembly.Module/Instance; the async preload's
//   WebAssembly.instantiate(bytes) is split into compile + instantiate (one after the other,
//   as 3.1.6 loads preloaded libraries sequentially).
/* global Module */
(function benchPre() {
  const [mode, count, dir] = process.argv.slice(2);
  const W = WebAssembly;
  // (No destructuring: 3.1.6's acorn optimizer drops renamed destructured bindings.)
  const WasmModule = W.Module;
  const WasmInstance = W.Instance;
  // The clock of 3.1.6's emscripten_get_now() in node (process.hrtime, not performance.now()).
  const now = () => {
    const t = process.hrtime();
    return t[0] * 1e3 + t[1] / 1e6;
  };
  const compile = W.compile.bind(W);
  const instantiate = W.instantiate.bind(W);
  let mainReady = false;
  Module.benchCompileMs = 0;
  Module.benchInstantiateMs = 0;
  if (mode === 'preload') {
    Module.dynamicLibraries = Array.from({ length: Number(count) }, (_, i) => `${dir}/bm_${i}.so`);
  }
  const timed = (key, make) => {
    const t0 = now();
    const result = make();
    Module[key] += now() - t0;
    return result;
  };
  W.Module = new Proxy(WasmModule, {
    construct: (target, args) =>
      mainReady ? timed('benchCompileMs', () => Reflect.construct(target, args)) : Reflect.construct(target, args),
  });
  W.Instance = new Proxy(WasmInstance, {
    construct: (target, args) =>
      mainReady ? timed('benchInstantiateMs', () => Reflect.construct(target, args)) : Reflect.construct(target, args),
  });
  W.instantiate = (source, imports) => {
    if (!mainReady) {
      // The main module: its instance is ready when this resolves (before run()).
      return instantiate(source, imports).then((result) => {
        mainReady = true;
        Module.benchMainReady = now();
        return result;
      });
    }
    if (source instanceof WasmModule) {
      const t0 = now();
      return instantiate(source, imports).then((instance) => {
        Module.benchInstantiateMs += now() - t0;
        return instance;
      });
    }
    let t0 = now();
    return compile(source).then((module) => {
      Module.benchCompileMs += now() - t0;
      t0 = now();
      return instantiate(module, imports).then((instance) => {
        Module.benchInstantiateMs += now() - t0;
        return { module, instance };
      });
    });
  };
})();
