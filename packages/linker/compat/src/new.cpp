/*
 * C++ allocation entry points for side modules whose program has no C++ runtime (a C main, a
 * MAIN_MODULE=2 main that dropped them): operator new and delete in their plain, array,
 * nothrow, aligned and sized forms, on the program's malloc and free (imported). Plain forms
 * trap when malloc returns NULL (this library has no exceptions: std::bad_alloc cannot be
 * thrown); nothrow forms return NULL. Aligned forms over-allocate and keep malloc's pointer
 * just below the aligned block, so they need no aligned allocator in the program.
 * Also: __cxa_pure_virtual / __cxa_deleted_virtual (trap) and single-threaded guards for
 * function-local statics (the WebAssembly C++ ABI uses ARM-style guards: bit 0 of the first byte).
 */
typedef __SIZE_TYPE__ size_t;
typedef __UINTPTR_TYPE__ uintptr_t;

extern "C" void *malloc(size_t);
extern "C" void free(void *);

namespace std {
struct nothrow_t {
  explicit nothrow_t() = default;
};
enum class align_val_t : size_t {};
// The object `new (std::nothrow) T` passes (data: imported through GOT.mem).
__attribute__((visibility("default"))) extern const nothrow_t nothrow;
const nothrow_t nothrow{};
}  // namespace std

#define API __attribute__((visibility("default")))

static void *allocate(size_t n) { return malloc(n == 0 ? 1 : n); }

static void *allocate_aligned(size_t n, std::align_val_t alignment) {
  size_t align = static_cast<size_t>(alignment);
  if (align < sizeof(void *)) align = sizeof(void *);
  if ((align & (align - 1)) != 0) return nullptr;
  size_t total = n + align + sizeof(void *);
  if (total < n) return nullptr;
  char *raw = static_cast<char *>(malloc(total));
  if (raw == nullptr) return nullptr;
  uintptr_t p = (reinterpret_cast<uintptr_t>(raw) + sizeof(void *) + align - 1) & ~static_cast<uintptr_t>(align - 1);
  reinterpret_cast<void **>(p)[-1] = raw;
  return reinterpret_cast<void *>(p);
}

static void free_aligned(void *p) {
  if (p != nullptr) free(static_cast<void **>(p)[-1]);
}

static void *or_trap(void *p) {
  if (p == nullptr) __builtin_trap();
  return p;
}

API void *operator new(size_t n) { return or_trap(allocate(n)); }
API void *operator new[](size_t n) { return or_trap(allocate(n)); }
API void *operator new(size_t n, const std::nothrow_t &) noexcept { return allocate(n); }
API void *operator new[](size_t n, const std::nothrow_t &) noexcept { return allocate(n); }
API void *operator new(size_t n, std::align_val_t a) { return or_trap(allocate_aligned(n, a)); }
API void *operator new[](size_t n, std::align_val_t a) { return or_trap(allocate_aligned(n, a)); }
API void *operator new(size_t n, std::align_val_t a, const std::nothrow_t &) noexcept { return allocate_aligned(n, a); }
API void *operator new[](size_t n, std::align_val_t a, const std::nothrow_t &) noexcept { return allocate_aligned(n, a); }

API void operator delete(void *p) noexcept { free(p); }
API void operator delete[](void *p) noexcept { free(p); }
API void operator delete(void *p, size_t) noexcept { free(p); }
API void operator delete[](void *p, size_t) noexcept { free(p); }
API void operator delete(void *p, const std::nothrow_t &) noexcept { free(p); }
API void operator delete[](void *p, const std::nothrow_t &) noexcept { free(p); }
API void operator delete(void *p, std::align_val_t) noexcept { free_aligned(p); }
API void operator delete[](void *p, std::align_val_t) noexcept { free_aligned(p); }
API void operator delete(void *p, size_t, std::align_val_t) noexcept { free_aligned(p); }
API void operator delete[](void *p, size_t, std::align_val_t) noexcept { free_aligned(p); }
API void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept { free_aligned(p); }
API void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept { free_aligned(p); }

extern "C" {
API void __cxa_pure_virtual() { __builtin_trap(); }
API void __cxa_deleted_virtual() { __builtin_trap(); }
API int __cxa_guard_acquire(unsigned char *guard) { return (*guard & 1) == 0; }
API void __cxa_guard_release(unsigned char *guard) { *guard = 1; }
API void __cxa_guard_abort(unsigned char *) {}
}
