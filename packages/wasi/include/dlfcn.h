/*
 * dlfcn.h for wasi-libc programs linked by @dl (package @dl/wasi).
 *
 * dlopen, dlsym, dlclose and dlerror are imports of the module "dl", implemented in JS by
 * @dl/wasi on top of @dl/linker (the program is the linker's attached main). The flag values
 * are musl's (wasi-libc is musl), the numbers @dl/linker takes. dladdr is not provided: see
 * the README of @dl/wasi.
 */
#ifndef DL_WASI_DLFCN_H
#define DL_WASI_DLFCN_H

#ifdef __cplusplus
extern "C" {
#endif

#define RTLD_LAZY 1
#define RTLD_NOW 2
#define RTLD_NOLOAD 4
#define RTLD_NODELETE 4096
#define RTLD_GLOBAL 256
#define RTLD_LOCAL 0

#define RTLD_NEXT ((void *)-1)
#define RTLD_DEFAULT ((void *)0)

#define DL_WASI_IMPORT(name) __attribute__((__import_module__("dl"), __import_name__(#name)))

/* A library by the loader's name for it (NULL: the program itself), or NULL and dlerror(). */
DL_WASI_IMPORT(dlopen) void *dlopen(const char *file, int mode);
/* Counts a reference down: 0, or non-zero and dlerror(). */
DL_WASI_IMPORT(dlclose) int dlclose(void *handle);
/* The last failure's text (in the program's memory), then NULL until the next failure. */
DL_WASI_IMPORT(dlerror) char *dlerror(void);
/* A function's table index or a data address, or NULL and dlerror(). */
DL_WASI_IMPORT(dlsym) void *dlsym(void *__restrict handle, const char *__restrict name);

#undef DL_WASI_IMPORT

#ifdef __cplusplus
}
#endif

#endif
