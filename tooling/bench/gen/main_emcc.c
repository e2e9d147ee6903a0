/*
 * The Emscripten 3.1.6 main of the linker benchmark (built by gen/build.sh with
 * -sMAIN_MODULE=2; run with `node --no-experimental-fetch main_emcc.cjs MODE N DIR`).
 *
 *   dlopen  N DIR : C loop dlopen(DIR/bm_<i>.so, RTLD_NOW | RTLD_GLOBAL), i = 0..N-1, timed
 *                   with emscripten_get_now (= performance.now()).
 *   preload N DIR : the libraries were loaded before main() by Module.dynamicLibraries (set by
 *                   emcc_pre.cjs from the same arguments); the time runs from the main
 *                   module's instance being ready (recorded by emcc_pre.cjs) to main().
 *
 * Prints one JSON line {"totalMs", "compileMs", "instantiateMs", "checksum"}; the checksum is
 * the sum of bm<i>_check() found with dlsym. Exit code 1 on any failure.
 */
#include <dlfcn.h>
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the side modules take from the main (listed in EXPORTED_FUNCTIONS: MAIN_MODULE=2 strips). */
EMSCRIPTEN_KEEPALIVE int bench_host_data = 7;
EMSCRIPTEN_KEEPALIVE int bench_host_add(int a, int b) { return a + b; }

int main(int argc, char **argv) {
  double end = 0;
  double start = 0;
  if (argc != 4) {
    printf("usage: main_emcc.cjs dlopen|preload N DIR\n");
    return 2;
  }
  const char *mode = argv[1];
  int n = atoi(argv[2]);
  const char *dir = argv[3];
  int preload = strcmp(mode, "preload") == 0;
  char path[4096];
  char name[64];
  void **handles = malloc(sizeof(void *) * (size_t)n);

  if (preload) {
    end = emscripten_get_now();
    start = EM_ASM_DOUBLE({ return Module['benchMainReady'] || 0; });
  } else {
    start = emscripten_get_now();
  }
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/bm_%d.so", dir, i);
    /* In preload mode this only finds the already-loaded library (outside the timed region). */
    handles[i] = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (handles[i] == NULL) {
      printf("dlopen %s failed: %s\n", path, dlerror());
      return 1;
    }
  }
  if (!preload) end = emscripten_get_now();

  double checksum = 0;
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "bm%d_check", i);
    int (*check)(void) = (int (*)(void))dlsym(handles[i], name);
    if (check == NULL) {
      printf("dlsym %s failed: %s\n", name, dlerror());
      return 1;
    }
    checksum += check();
  }
  double compile = EM_ASM_DOUBLE({ return Module['benchCompileMs'] || 0; });
  double instantiate = EM_ASM_DOUBLE({ return Module['benchInstantiateMs'] || 0; });
  printf("{\"totalMs\":%.3f,\"compileMs\":%.3f,\"instantiateMs\":%.3f,\"checksum\":%.0f}\n", end - start, compile, instantiate, checksum);
  return 0;
}
