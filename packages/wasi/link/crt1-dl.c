/*
 * crt1-dl.c: the start of a wasi-libc main that side modules link against (@dl/wasi).
 *
 * Link it instead of wasi-libc's crt1-command.o (clang -nostartfiles link/crt1-dl.c ...).
 * wasi-libc's crt1-command.o never calls __wasm_call_ctors itself, so wasm-ld (16) wraps every
 * export of the command in a function that runs the constructors before the call and the
 * destructors after it ("command export wrappers"): each malloc or printf a side module called
 * through the main's exports would run the atexit handlers and flush stdio. This start calls
 * the constructors once, so wasm-ld exports the C library's functions as they are.
 */
extern void __wasm_call_ctors(void);
extern int __original_main(void);
_Noreturn void exit(int status);

__attribute__((export_name("_start"))) void _start(void) {
  __wasm_call_ctors();
  exit(__original_main());
}
