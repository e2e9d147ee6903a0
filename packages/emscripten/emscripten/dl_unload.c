// @dl/emscripten's C half for Emscripten 3.1.6: lets C dlclose() unload a library.
//
// In 3.1.6, dlclose() is libc's (musl ldso/dlclose.c: `return __dl_invalid_handle(p);`): it
// checks the handle against system/lib/libc/dynlink.c's list and never reaches JavaScript, so
// no --js-library can see it. And dynlink.c's dlopen() of a name already in that list returns
// the handle without calling _dlopen_js, so JavaScript cannot count references either. Linked
// into the main with
//   emcc ... main.c node_modules/@dl/emscripten/emscripten/dl_unload.c \
//     -Wl,--wrap=dlopen -Wl,--wrap=dlclose --js-library node_modules/@dl/emscripten/emscripten/library_dl.js
// every dlopen() and dlclose() of the program's C code goes through the two functions below,
// which tell the facade (library_dl.js: _dl_opened_js, _dl_dlclose_js) after libc did its part.
// (Defining __wrap_dlclose in the --js-library instead crashes Debian's wasm-ld 14 with -pie.)
#include <dlfcn.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {  // em++ compiles a .c file as C++: the names stay C's
#endif

void *__real_dlopen(const char *file, int flags);
int __real_dlclose(void *handle);
int _dl_opened_js(void *handle, int flags);
int _dl_dlclose_js(void *handle);

// libc's dlopen, then one reference in the facade: the one _dlopen_js took for a library just
// loaded, or a new one for a handle libc found by name (reopened; loaded again if unloaded).
void *__wrap_dlopen(const char *file, int flags) {
  void *handle = __real_dlopen(file, flags);
  if (handle != NULL && !_dl_opened_js(handle, flags)) return NULL;
  return handle;
}

// libc's check of the handle (its dlerror() text when invalid), then the facade drops one
// reference: the library is unloaded when nothing keeps it.
int __wrap_dlclose(void *handle) {
  if (__real_dlclose(handle) != 0) return 1;
  return _dl_dlclose_js(handle);
}

#ifdef __cplusplus
}
#endif
