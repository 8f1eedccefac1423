#!/usr/bin/env bash
# Creates (or refreshes) the project's virtual environment with the OpenMMLab stack.
#
#   tools/setup_env.sh            # venv in ./.venv (override with VENV=...)
#
# Steps: build tools -> torch/torchvision (skipped if the venv already imports them)
# -> mmcv 2.1.0 compiled with ops, no build isolation, cached as a wheel keyed by the
# torch version, Python and CUDA -> mmengine/mmseg/mmpretrain and test tools -> mmdlkd
# in editable mode. A stamp of the requirement files makes a second run take a second.
# Users with a working OpenMMLab environment do not need this script (README).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
BOOT_PYTHON="${BOOT_PYTHON:-python3}"
CACHE="${MMDLKD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmdlkd}"
MMCV_VERSION=2.1.0
say() { echo "[setup_env] $*"; }

stamp_inputs=("$ROOT"/requirements.txt "$ROOT"/requirements/*.txt "$ROOT"/setup.py "$ROOT"/tools/setup_env.sh)
want_stamp="$(cat "${stamp_inputs[@]}" | sha256sum | cut -c1-16)"
if [[ -f "$VENV/.mmdlkd-stamp" && "$(cat "$VENV/.mmdlkd-stamp")" == "$want_stamp" ]]; then
  say "environment $VENV is up to date"
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating virtual environment $VENV"
  "$BOOT_PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
pip_() { "$PY" -m pip --disable-pip-version-check "$@"; }

say "build tools"
pip_ install -q --upgrade pip
pip_ install -q -r "$ROOT/requirements/build.txt"

if "$PY" -c "import torch, torchvision" 2>/dev/null; then
  say "torch already installed: $("$PY" -c 'import torch; print(torch.__version__)')"
else
  say "installing torch/torchvision (requirements/torch.txt; several GB)"
  pip_ install -q -r "$ROOT/requirements/torch.txt"
fi

if "$PY" -c "import mmcv, mmcv._ext, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null; then
  say "mmcv $MMCV_VERSION with ops already installed"
else
  key="$("$PY" - <<'PY'
import platform, sys, torch
cuda = torch.version.cuda if torch.cuda.is_available() else 'cpu'
print(f'torch{torch.__version__}-py{sys.version_info[0]}{sys.version_info[1]}-'
      f'{platform.machine()}-{cuda}')
PY
)"
  wheel_dir="$CACHE/mmcv-wheels/$key"
  if ! ls "$wheel_dir"/mmcv-*.whl >/dev/null 2>&1; then
    mkdir -p "$CACHE/sdist" "$wheel_dir"
    sdist="$CACHE/sdist/mmcv-$MMCV_VERSION.tar.gz"
    if [[ ! -f "$sdist" ]]; then
      say "downloading the mmcv $MMCV_VERSION source"
      pip_ download -q --no-deps --no-binary :all: --no-build-isolation \
        -d "$CACHE/sdist" "mmcv==$MMCV_VERSION"
    fi
    src="$(mktemp -d)"
    tar xzf "$sdist" -C "$src"
    src="$src/mmcv-$MMCV_VERSION"
    inc="$("$PY" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "include"))')"
    if grep -rqs "C++20 or later compatible compiler is required" "$inc/c10" "$inc/ATen" 2>/dev/null; then
      say "this torch's headers need C++20: patching mmcv's -std=c++17"
      sed -i 's/-std=c++17/-std=c++20/g' "$src/setup.py"
    fi
    log="$CACHE/mmcv-build-$key.log"
    say "compiling mmcv $MMCV_VERSION with ops for $key"
    say "  this takes about 8 minutes on 2 cores and happens once per torch version;"
    say "  the wheel is cached in $wheel_dir; compiler log: $log"
    t0=$SECONDS
    ( cd "$src" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "$PY" -m pip wheel --no-build-isolation --no-deps -w "$wheel_dir" . ) >"$log" 2>&1 &
    build_pid=$!
    while kill -0 "$build_pid" 2>/dev/null; do
      sleep 30
      kill -0 "$build_pid" 2>/dev/null && say "  still compiling mmcv ($((SECONDS - t0)) s)"
    done
    if ! wait "$build_pid"; then
      tail -n 30 "$log"
      say "mmcv build failed; full log: $log"
      rm -rf "$wheel_dir"
      exit 1
    fi
    say "mmcv compiled in $((SECONDS - t0)) s"
  else
    say "using the cached mmcv wheel for $key"
  fi
  pip_ install -q "$wheel_dir"/mmcv-*.whl
  "$PY" -c "import mmcv._ext" || { say "mmcv was installed without its ops"; exit 1; }
fi

say "OpenMMLab packages and test tools"
pip_ install -q -r "$ROOT/requirements.txt"
pip_ install -q --no-deps -r "$ROOT/requirements/mim.txt"
pip_ install -q --no-deps --no-build-isolation -e "$ROOT"
"$PY" -c "import mmcv.ops, mmseg.models, mmpretrain.models, mmdlkd"
echo "$want_stamp" > "$VENV/.mmdlkd-stamp"
say "ready: $VENV"
