#!/usr/bin/env bash
# build.sh — builds the linker benchmark's inputs with Debian's emcc 3.1.6 (never run by
# `pnpm test` or CI; the linker suite runs it when something is missing or out of date).
#   bash tooling/bench/gen/build.sh [N...]        (default: 10 100 500)
#   bash tooling/bench/gen/build.sh unload N      (the unload suite's inputs: clang-16 only)
#   bash tooling/bench/gen/build.sh threads N     (the threads suite's inputs: clang-16, shared memory)
# Outputs, under tooling/bench/.build/ (git-ignored):
#   sets/N/bm_<i>.so, sets/N/expected.json   set N (gen-set.mjs + emcc -O2 -sSIDE_MODULE=1, xargs -P2)
#   emcc/main_emcc.cjs + main_emcc.wasm      the Emscripten main (main_emcc.c, MAIN_MODULE=2)
#   unload/standalone-N/bm_<i>.so            N standalone modules (gen-set.mjs --standalone), built
#                                            with the fixtures' clang-16 side-module recipe
#   threads/N/bm_<i>.so                      set N with a thread-local each (gen-threads.mjs), built with
#                                            the fixtures' libthr_* recipe (-matomics -mbulk-memory,
#                                            --shared-memory, __wasm_init_tls/__tls_size/__tls_align exported)
# (the unload suite's other libraries are fixtures: libunload.so, libreload*.so of @dl/fixtures)
# A set (or the main) is skipped while its stamp (hash of the generator/sources, compiler version and
# flags) matches. N=500 takes about a minute on 2 cores (emcc); 2,000 standalone modules 1–3 min (clang-16).
set -euo pipefail
export LC_ALL=C
export NODE_PATH=/usr/share/nodejs   # emcc 3.1.6's JS optimizer needs Debian's acorn

GEN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=$(dirname "$GEN")/.build
die() { echo "build.sh: error: $*" >&2; exit 1; }
# Contents only (not the paths sha256sum prints): a copy of the tree elsewhere (a worktree) keeps its stamps.
hash() { cat "$@" | sha256sum | cut -c1-16; }
# A command's first line of output, read whole: piped into `head -1` under pipefail, a writer
# cut off by head's early exit (emcc's Python) fails the script.
first_line() { local out; out=$("$@"); printf '%s\n' "${out%%$'\n'*}"; }

# ---------------------------------------------------------------- unload --
# The fixtures' clang-16 recipe (tooling/fixtures/build.sh, toolchains-and-baseline.md §2).
CLANG_FLAGS=(--target=wasm32-unknown-emscripten -fPIC -fvisibility=default -O2 -nostdlib)
LD_FLAGS=(-shared --experimental-pic --export-dynamic)
build_unload() {
  local n=$1 dir=$B/unload/standalone-$1 stamp t0=$SECONDS
  for tool in clang-16 wasm-ld-16; do command -v "$tool" >/dev/null 2>&1 ||
    die "missing $tool (apt-get install --no-install-recommends clang-16 lld-16)"; done
  local cv; cv=$(first_line clang-16 --version)
  stamp="$(hash "$GEN/gen-set.mjs") $cv ${CLANG_FLAGS[*]} ${LD_FLAGS[*]} n=$n"
  if [ -f "$dir/expected.json" ] && [ -f "$dir/bm_$((n - 1)).so" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "unload set $n: up to date"; return
  fi
  rm -rf "$dir" && mkdir -p "$dir/obj"
  node "$GEN/gen-set.mjs" "$n" "$dir" --standalone
  # Many sources per clang process (-c writes each object into the working directory), then
  # one wasm-ld per module, inside the set directory (bare output names).
  (cd "$dir/obj" && seq 0 $((n - 1)) | sed 's|.*|../src/bm_&.c|' | xargs -P2 -n 100 clang-16 "${CLANG_FLAGS[@]}" -c) ||
    die "compiling unload set $n failed"
  (cd "$dir" && seq 0 $((n - 1)) | xargs -P2 -I{} wasm-ld-16 "${LD_FLAGS[@]}" obj/bm_{}.o -o bm_{}.so) ||
    die "linking unload set $n failed"
  rm -rf "$dir/obj"
  echo "$stamp" > "$dir/stamp"
  echo "unload set $n: $n modules built with clang-16 in $((SECONDS - t0)) s"
}

# --------------------------------------------------------------- threads --
# The fixtures' libthr_base.so recipe: atomics and bulk memory, a shared memory, and the exports
# a loader needs to give each thread its own TLS block.
MT_FLAGS=(-matomics -mbulk-memory)
MT_LD_FLAGS=(--shared-memory --export=__wasm_init_tls --export=__tls_size --export=__tls_align)
build_threads() {
  local n=$1 dir=$B/threads/$1 stamp t0=$SECONDS
  for tool in clang-16 wasm-ld-16; do command -v "$tool" >/dev/null 2>&1 ||
    die "missing $tool (apt-get install --no-install-recommends clang-16 lld-16)"; done
  local cv; cv=$(first_line clang-16 --version)
  stamp="$(hash "$GEN/gen-set.mjs" "$GEN/gen-threads.mjs") $cv ${CLANG_FLAGS[*]} ${MT_FLAGS[*]} ${LD_FLAGS[*]} ${MT_LD_FLAGS[*]} n=$n"
  if [ -f "$dir/expected.json" ] && [ -f "$dir/bm_$((n - 1)).so" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "threads set $n: up to date"; return
  fi
  rm -rf "$dir" && mkdir -p "$dir/obj"
  node "$GEN/gen-threads.mjs" "$n" "$dir"
  (cd "$dir/obj" && seq 0 $((n - 1)) | sed 's|.*|../src/bm_&.c|' |
    xargs -P2 -n 100 clang-16 "${CLANG_FLAGS[@]}" "${MT_FLAGS[@]}" -c) || die "compiling threads set $n failed"
  (cd "$dir" && seq 0 $((n - 1)) | xargs -P2 -I{} wasm-ld-16 "${LD_FLAGS[@]}" "${MT_LD_FLAGS[@]}" obj/bm_{}.o -o bm_{}.so) ||
    die "linking threads set $n failed"
  rm -rf "$dir/obj"
  echo "$stamp" > "$dir/stamp"
  echo "threads set $n: $n modules built with clang-16 in $((SECONDS - t0)) s"
}
if [ "${1:-}" = threads ]; then
  shift
  [ "$#" -gt 0 ] || set -- 100 500
  for n in "$@"; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "usage: build.sh threads N..."; done
  for n in "$@"; do build_threads "$n"; done
  exit 0
fi
if [ "${1:-}" = unload ]; then
  [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "usage: build.sh unload N"
  build_unload "$2"
  exit 0
fi

command -v emcc >/dev/null 2>&1 || die "emcc not found (apt-get install --no-install-recommends emscripten; Debian's 3.1.6)"
EMCC_VERSION=$(first_line emcc --version 2>/dev/null)
[[ "$EMCC_VERSION" == *' 3.1.6 '* ]] || echo "build.sh: warning: not emcc 3.1.6: $EMCC_VERSION" >&2

SIDE_FLAGS=(-O2 -sSIDE_MODULE=1)
MAIN_FLAGS=(-O2 -sMAIN_MODULE=2 -sALLOW_MEMORY_GROWTH=1 -sALLOW_TABLE_GROWTH=1 -sNODERAWFS=1
  -sEXPORTED_FUNCTIONS=_main,_bench_host_add,_bench_host_data,_malloc,_free)

# ------------------------------------------------------------------ main --
# The same main twice: Emscripten's own loader (main_emcc.cjs), and @dl through the facade's
# --js-library (main_emcc_dl.cjs; its pre-js finds the built @dl/emscripten of this checkout).
DL_LIBRARY=$(cd "$GEN/../../.." && pwd)/packages/emscripten/emscripten/library_dl.js
build_main() {
  local out=$B/emcc stamp
  stamp="$(hash "$GEN/main_emcc.c" "$GEN/emcc_pre.cjs" "$GEN/dl_pre.cjs" "$DL_LIBRARY") $EMCC_VERSION ${MAIN_FLAGS[*]}"
  if [ -f "$out/main_emcc_dl.cjs" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "main_emcc: up to date"; return
  fi
  local t0=$SECONDS
  rm -rf "$out" && mkdir -p "$out"
  # --pre-js ends in .cjs: this package is "type": "module", and emcc's output is CommonJS.
  (cd "$out" && emcc "${MAIN_FLAGS[@]}" --pre-js "$GEN/emcc_pre.cjs" "$GEN/main_emcc.c" -o main_emcc.js)
  (cd "$out" && emcc "${MAIN_FLAGS[@]}" --pre-js "$GEN/dl_pre.cjs" --pre-js "$GEN/emcc_pre.cjs" --js-library "$DL_LIBRARY" \
    "$GEN/main_emcc.c" -o main_emcc_dl.js 2>&1 | grep -v "depends on internal symbol" || true)
  # Generated code: renamed to .cjs (run as CommonJS) and kept out of the lint.
  for f in main_emcc main_emcc_dl; do
    { echo '/* eslint-disable */'; cat "$out/$f.js"; } > "$out/$f.cjs"
    rm "$out/$f.js"
  done
  echo "$stamp" > "$out/stamp"
  echo "main_emcc: built (own loader and @dl facade) in $((SECONDS - t0)) s"
}

# ------------------------------------------------------------------- set --
build_set() {
  local n=$1 dir=$B/sets/$1 stamp
  stamp="$(hash "$GEN/gen-set.mjs") $EMCC_VERSION ${SIDE_FLAGS[*]} n=$n"
  if [ -f "$dir/expected.json" ] && [ -f "$dir/bm_$((n - 1)).so" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "set $n: up to date"; return
  fi
  local t0=$SECONDS
  rm -rf "$dir" && mkdir -p "$dir"
  node "$GEN/gen-set.mjs" "$n" "$dir"
  # Bare output names, built inside the set directory: nothing machine-specific in the output.
  (cd "$dir" && seq 0 $((n - 1)) | xargs -P2 -I{} emcc "${SIDE_FLAGS[@]}" src/bm_{}.c -o bm_{}.so) ||
    die "building set $n failed"
  echo "$stamp" > "$dir/stamp"
  echo "set $n: $n modules built in $((SECONDS - t0)) s ($(du -sb --apparent-size "$dir"/bm_*.so | awk '{s += $1} END {printf "%.0f KB", s / 1024}'))"
}

[ "$#" -gt 0 ] || set -- 10 100 500
for n in "$@"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "not a set size: $n"
done
build_main
for n in "$@"; do build_set "$n"; done
