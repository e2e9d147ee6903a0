/*
 * errno of the compatibility library. A weak definition with default visibility: the library's
 * own calls go through its import of __errno_location, so a program that has one (its C library)
 * is used first and a side module, its C library and this library all see the same errno; a
 * program without one gets this.
 */
static int compat_errno;

__attribute__((weak, visibility("default"))) int *__errno_location(void) { return &compat_errno; }

/* What musl's own code calls for errno (its internal errno.h): the interposable one above. */
__attribute__((visibility("hidden"))) int *___errno_location(void) { return __errno_location(); }
