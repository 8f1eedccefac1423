#!/usr/bin/env bash
# Puts an mmcv wheel with ops for PYTHON's torch into WHEEL_DIR: OpenMMLab's
# prebuilt wheel where its index has one, otherwise a wheel compiled here.
#
#   tools/build_mmcv.sh PYTHON WHEEL_DIR
#
# Environment:
#   MMCV_VERSION       mmcv version (2.1.0)
#   MMCV_WHEEL_INDEX   where prebuilt wheels are looked for: a find-links URL or a
#                      folder of wheels; "none" compiles without looking. Default:
#                      OpenMMLab's index for this torch and CUDA.
#   MMCV_CFLAGS        compiler flags for the ops (default "-O1 -g0": our configs
#                      execute no mmcv op, so optimising them buys nothing);
#                      "upstream" keeps Python's own flags (-g -O3), as pip does.
#   MMCV_PCH           1 (default): parse the torch headers once, into a
#                      precompiled header used by every source file; 0: do not.
#   MAX_JOBS           parallel compile jobs (default: all cores)
#   MMDLKD_CACHE       cache folder of the mmcv source (default ~/.cache/mmdlkd)
set -euo pipefail
shopt -s inherit_errexit  # failures inside $(...) stop the script too

PY="$1"
WHEEL_DIR="$2"
MMCV_VERSION="${MMCV_VERSION:-2.1.0}"
CACHE="${MMDLKD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmdlkd}"
say() { echo "[build_mmcv] $*"; }
pip_() { "$PY" -m pip --disable-pip-version-check "$@"; }

default_index() {
  "$PY" - <<'PY'
import torch
major, minor = torch.__version__.split('.')[:2]
cuda = torch.version.cuda
device = 'cu' + cuda.replace('.', '') if cuda and torch.cuda.is_available() else 'cpu'
print(f'https://download.openmmlab.com/mmcv/dist/{device}/torch{major}.{minor}/index.html')
PY
}

# Downloads a prebuilt wheel from MMCV_WHEEL_INDEX into WHEEL_DIR; fails
# quietly (status 1) when the index is unreachable or has no matching wheel.
fetch_prebuilt() {
  local index="${MMCV_WHEEL_INDEX:-$(default_index)}" tmp
  [[ "$index" == none ]] && return 1
  tmp="$(mktemp -d)"
  if ! pip_ download -q --no-deps --only-binary :all: --no-index --timeout 15 \
      --retries 0 -f "$index" -d "$tmp" "mmcv==$MMCV_VERSION" >/dev/null 2>&1; then
    say "no prebuilt mmcv $MMCV_VERSION wheel for this torch at $index"
    rm -rf "$tmp"
    return 1
  fi
  mkdir -p "$WHEEL_DIR"
  mv "$tmp"/mmcv-*.whl "$WHEEL_DIR"/
  rm -rf "$tmp"
  say "using OpenMMLab's prebuilt wheel from $index"
}

# "12 of 77 files, 95 s, about 420 s left" from "12/77" (ninja's count of
# files started) and the seconds since the build began.
progress_line() {
  local done_n="${1%/*}" total="${1#*/}" spent="$2"
  if ((done_n == 0 || total == 0)); then
    echo "starting"
  else
    echo "$done_n of $total files, ${spent} s, about $((spent * (total - done_n) / done_n)) s left"
  fi
}

unpack_source() {
  local sdist="$CACHE/sdist/mmcv-$MMCV_VERSION.tar.gz" dir inc
  if [[ ! -f "$sdist" ]]; then
    say "downloading the mmcv $MMCV_VERSION source" >&2
    mkdir -p "$CACHE/sdist"
    pip_ download -q --no-deps --no-binary :all: --no-build-isolation \
      -d "$CACHE/sdist" "mmcv==$MMCV_VERSION" >&2
  fi
  dir="$(mktemp -d)"
  tar xzf "$sdist" -C "$dir"
  dir="$dir/mmcv-$MMCV_VERSION"
  inc="$("$PY" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "include"))')"
  if grep -rqs "C++20 or later compatible compiler is required" "$inc/c10" "$inc/ATen"; then
    say "this torch's headers need C++20: patching mmcv's -std=c++17" >&2
    sed -i 's/-std=c++17/-std=c++20/g' "$dir/setup.py"
  fi
  echo "$dir"
}

# Compiles the torch headers that every mmcv source file includes into
# $1/mmcv_pch.hpp.gch, with the flags setup.py gives each file ($2).
build_pch() {
  local src="$1" cflags="$2" std flags
  std=-std=c++17
  if grep -q -- '-std=c++20' "$src/setup.py"; then std=-std=c++20; fi
  flags="$("$PY" - "$src" <<'PY'
import sys, sysconfig
from torch.utils.cpp_extension import include_paths
dirs = [sys.argv[1] + '/mmcv/ops/csrc/common', *include_paths(), sysconfig.get_paths()['include']]
print(' '.join('-I' + d for d in dirs))
PY
)"
  printf '#include <torch/types.h>\n#include <vector>\n' >"$src/mmcv_pch.hpp"
  # shellcheck disable=SC2086
  ${CXX:-c++} $cflags -fPIC $flags -DTORCH_API_INCLUDE_EXTENSION_H \
    -DTORCH_EXTENSION_NAME=_ext "$std" -x c++-header \
    "$src/mmcv_pch.hpp" -o "$src/mmcv_pch.hpp.gch"
}

compile_wheel() {
  local src log cflags t0 t_files pid done_files
  src="$(unpack_source)"
  log="${WHEEL_DIR%/}.log"
  mkdir -p "$WHEEL_DIR"
  : >"$log"
  say "compiling mmcv $MMCV_VERSION with its ops (compiler log: $log)"
  t0=$SECONDS
  local -a env_flags=()
  if [[ "${MMCV_CFLAGS:--O1 -g0}" != upstream ]]; then
    cflags="${MMCV_CFLAGS:--O1 -g0}"
    if [[ "${MMCV_PCH:-1}" == 1 ]]; then
      say "  parsing the torch headers once, into a precompiled header"
      build_pch "$src" "$cflags" >>"$log" 2>&1 || { cat "$log"; exit 1; }
      cflags="$cflags -Winvalid-pch -include $src/mmcv_pch.hpp"
    fi
    env_flags=(CFLAGS="$cflags")
  fi
  t_files=$SECONDS
  (cd "$src" && env "${env_flags[@]}" MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
    "$PY" -m pip wheel -v --no-build-isolation --no-deps -w "$WHEEL_DIR" .) >>"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 10
    kill -0 "$pid" 2>/dev/null || break
    done_files="$(grep -oE '^ *\[[0-9]+/[0-9]+\] ' "$log" | tail -n 1 | tr -d '[] ' || true)"
    say "  compiling mmcv: $(progress_line "${done_files:-0/0}" $((SECONDS - t_files)))"
  done
  if ! wait "$pid"; then
    tail -n 30 "$log"
    say "mmcv build failed; full log: $log"
    rm -rf "$WHEEL_DIR"
    exit 1
  fi
  if grep -q "mmcv_pch.hpp.gch.*not used" "$log"; then
    say "warning: the precompiled header did not match the compile flags, so the"
    say "  build parsed the torch headers in every file (correct, only slower); see $log"
  fi
  rm -rf "$(dirname "$src")"
  say "mmcv compiled in $((SECONDS - t0)) s"
}

fetch_prebuilt || compile_wheel
