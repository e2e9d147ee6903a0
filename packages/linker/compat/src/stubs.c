/*
 * What musl's string conversions reference but never reach here: strtol/strtod read through a
 * string "FILE" (sh_fromstring) whose end is unbounded, so shgetc never asks to refill it.
 */
struct _IO_FILE;

__attribute__((visibility("hidden"))) int __uflow(struct _IO_FILE *f) {
  (void)f;
  return -1;
}
