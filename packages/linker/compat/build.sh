#!/usr/bin/env bash
# compat/build.sh — builds the compatibility library, libdlcompat.so: a side module with the
# pure, allocation-free parts of the C library (musl 1.2.2 as Emscripten 3.1.6 ships it, compiled
# here from the sources in Debian's emscripten package) and the C++ allocation entry points
# (src/new.cpp, on the program's malloc/free). Writes libdlcompat.so, ../src/compat-base64.ts (the
# same bytes, base64, for the @dl/linker/compat-library entry) and ../src/compat-wasm.ts (the
# names of symbols.txt by group, in the main entry).
# Usage: bash packages/linker/compat/build.sh           rebuild both outputs
#        bash packages/linker/compat/build.sh --check   rebuild elsewhere, fail if they differ
#                                                        from the committed ones (pnpm fixtures)
# Deterministic: fixed flags and file order, links inside the output directory with a bare
# output name, no path, date or temp name reaches an output.
set -euo pipefail
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EM=/usr/share/emscripten
M=$EM/system/lib/libc/musl
CRT=$EM/system/lib/compiler-rt/lib/builtins
die() { echo "compat/build.sh: error: $*" >&2; exit 1; }
for tool in clang-16 clang++-16 wasm-ld-16 emcc node; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool' (see tooling/fixtures/README.md)"
done
# Read whole, not piped into grep -q (with pipefail, a writer cut off by grep's early exit fails the check).
EMCC_VERSION=$(emcc --version 2>&1 || true)
[[ "$EMCC_VERSION" == *' 3.1.6 '* ]] || die "emcc is not Debian's 3.1.6 (its musl sources are compiled here): ${EMCC_VERSION%%$'\n'*}"
[[ $(cat "$M/VERSION") == 1.2.2 ]] || die "unexpected musl version in $M"

CHECK=0
[[ ${1:-} == --check ]] && CHECK=1
B=$(mktemp -d)
trap 'rm -rf "$B"' EXIT
OUT=$HERE
[[ $CHECK == 1 ]] && OUT=$B/out
mkdir -p "$B/obj" "$OUT"

# Emscripten's sysroot for the standard headers (never the host's /usr/include).
TARGET=(--target=wasm32-unknown-emscripten --sysroot="$EM/cache/sysroot" -fPIC -O2 -nostdlib
  -ffile-prefix-map="$EM"=emscripten)
# musl as Emscripten builds it: its internal headers first, everything hidden but what the link exports.
MUSL=("${TARGET[@]}" -fvisibility=hidden -fno-builtin -std=c99 -D_XOPEN_SOURCE=700 -Wno-everything
  -I"$M/src/include" -I"$M/src/internal" -I"$M/arch/emscripten")
CTYPE=(isalnum isalpha isascii isblank iscntrl isdigit isgraph islower isprint ispunct isspace isupper
  isxdigit tolower toupper toascii iswalnum iswalpha iswblank iswcntrl iswctype iswdigit iswgraph
  iswlower iswprint iswpunct iswspace iswupper iswxdigit towctrans wctrans wcwidth wcswidth)
STRING=(bcmp bcopy bzero index memccpy memchr memcmp memcpy memmem memmove mempcpy memrchr memset rindex
  stpcpy stpncpy strcasecmp strcasestr strcat strchr strchrnul strcmp strcpy strcspn strlcat strlcpy
  strlen strncasecmp strncat strncmp strncpy strnlen strpbrk strrchr strsep strspn strstr strtok
  strtok_r strverscmp wcscasecmp wcscat wcschr wcscmp wcscpy wcscspn wcslen wcsncasecmp wcsncat
  wcsncmp wcsncpy wcsnlen wcspbrk wcsrchr wcsspn wcsstr wcstok wmemchr wmemcmp wmemcpy wmemmove wmemset)
STDLIB=(abs atof atoi atol atoll bsearch div imaxabs imaxdiv labs ldiv llabs lldiv qsort strtod strtol)
# long double conversions (strtold, floatscan) use compiler-rt's binary128 arithmetic.
BUILTINS=(addtf3 subtf3 multf3 divtf3 comparetf2 extenddftf2 extendsftf2 trunctfdf2 trunctfsf2
  floatsitf floatunsitf fixtfsi ashlti3 lshrti3 multi3 fp_mode)

jobs=()
for f in "${CTYPE[@]}"; do jobs+=("$M/src/ctype/$f.c ctype_$f.o"); done
for f in "${STRING[@]}"; do jobs+=("$M/src/string/$f.c string_$f.o"); done
for f in "${STDLIB[@]}"; do jobs+=("$M/src/stdlib/$f.c stdlib_$f.o"); done
for f in intscan floatscan shgetc; do jobs+=("$M/src/internal/$f.c internal_$f.o"); done
jobs+=("$M/src/fenv/fenv.c fenv_fenv.o" "$M/src/fenv/fesetround.c fenv_fesetround.o"
  "$M/src/misc/ffs.c misc_ffs.o" "$M/src/misc/ffsl.c misc_ffsl.o" "$M/src/misc/ffsll.c misc_ffsll.o")
# All of <math.h> (the link keeps what is exported and what that calls); not Emscripten's
# size-optimised *_small.c variants, which define the same functions.
for f in "$M"/src/math/*.c; do b=$(basename "$f" .c); [[ $b == *_small ]] || jobs+=("$f math_$b.o"); done
# Two compilers at a time (2 cores); the flags hold no spaces.
export B CRT
printf '%s\n' "${jobs[@]}" | MUSL_FLAGS="${MUSL[*]}" xargs -P2 -L1 bash -c 'clang-16 $MUSL_FLAGS -c "$0" -o "$B/obj/$1"'
printf '%s\n' "${BUILTINS[@]}" | TARGET_FLAGS="${TARGET[*]}" xargs -P2 -I{} bash -c 'clang-16 $TARGET_FLAGS -fvisibility=hidden -Wno-everything -c "$CRT/{}.c" -o "$B/obj/crt_{}.o"'
clang-16 "${TARGET[@]}" -fvisibility=hidden -c "$HERE/src/errno.c" -o "$B/obj/compat_errno.o"
clang-16 "${TARGET[@]}" -fvisibility=hidden -c "$HERE/src/stubs.c" -o "$B/obj/compat_stubs.o"
clang++-16 "${TARGET[@]}" -fvisibility=hidden -fno-exceptions -fno-rtti -std=c++17 -c "$HERE/src/new.cpp" -o "$B/obj/compat_new.o"

names=$(grep -v '^#' "$HERE/symbols.txt" | cut -d' ' -f2-)
exports=()
for s in $names; do exports+=("--export=$s"); done
objects=$(cd "$B/obj" && ls | LC_ALL=C sort)
(cd "$B/obj" && wasm-ld-16 -shared --experimental-pic --strip-debug "${exports[@]}" $objects -o libdlcompat.so)
cp "$B/obj/libdlcompat.so" "$OUT/libdlcompat.so"
node "$HERE/generate.mjs" "$OUT/libdlcompat.so" "$HERE/symbols.txt" "$OUT/compat-wasm.ts" "$OUT/compat-base64.ts"
if [[ $CHECK == 1 ]]; then
  cmp -s "$OUT/libdlcompat.so" "$HERE/libdlcompat.so" || die "libdlcompat.so differs from its sources: run bash packages/linker/compat/build.sh and commit"
  for f in compat-wasm.ts compat-base64.ts; do
    cmp -s "$OUT/$f" "$HERE/../src/$f" || die "src/$f differs from libdlcompat.so: run bash packages/linker/compat/build.sh and commit"
  done
  echo "compat/build.sh: the committed compatibility library matches its sources"
else
  mv "$OUT/compat-wasm.ts" "$OUT/compat-base64.ts" "$HERE/../src/"
  echo "compat/build.sh: libdlcompat.so $(stat -c %s "$HERE/libdlcompat.so") bytes"
fi
