#!/usr/bin/env bash
# Creates (or refreshes) the project's virtual environment with the OpenMMLab stack.
#
#   tools/setup_env.sh            # venv in ./.venv (override with VENV=...)
#
# Five numbered steps: build tools -> torch/torchvision (skipped if the venv already
# imports them) -> mmcv 2.1.0 with ops (tools/build_mmcv.sh: OpenMMLab's prebuilt
# wheel or a compile with a file-count progress line; cached as a wheel keyed by the
# torch version, Python and CUDA) -> mmengine/mmseg/mmpretrain and test tools ->
# mmdlkd in editable mode. A stamp of the requirement files makes a second run take
# a second.
# Users with a working OpenMMLab environment do not need this script (docs/install.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
BOOT_PYTHON="${BOOT_PYTHON:-python3}"
CACHE="${MMDLKD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmdlkd}"
MMCV_VERSION=2.1.0
say() { echo "[setup_env] $*"; }
# Numbered steps, each with the time the previous one took.
setup_t0=$SECONDS
step_t0=$SECONDS
step_n=0
step_done() { say "  (done in $((SECONDS - step_t0)) s)"; }
step() {
  if ((step_n > 0)); then step_done; fi
  step_n=$((step_n + 1))
  step_t0=$SECONDS
  say "step $step_n of 5: $*"
}

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

step "build tools: pip, $(grep -hvE '^(#|$)' "$ROOT/requirements/build.txt" | tr '\n' ' ')"
pip_ install -q --upgrade pip
pip_ install -q -r "$ROOT/requirements/build.txt"

step "torch and torchvision"
if "$PY" -c "import torch, torchvision" 2>/dev/null; then
  say "  already installed: $("$PY" -c 'import torch; print(torch.__version__)')"
else
  say "  $(grep -hvE '^(#|$)' "$ROOT/requirements/torch.txt" | tr '\n' ' ')(several GB to download)"
  pip_ install -q -r "$ROOT/requirements/torch.txt"
fi

step "mmcv $MMCV_VERSION with its ops"
if "$PY" -c "import mmcv, mmcv._ext, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null; then
  say "  already installed"
else
  key="$("$PY" - <<'PY'
import platform, sys, torch
cuda = torch.version.cuda if torch.cuda.is_available() else 'cpu'
print(f'torch{torch.__version__}-py{sys.version_info[0]}{sys.version_info[1]}-'
      f'{platform.machine()}-{cuda}')
PY
)"
  wheel_dir="$CACHE/mmcv-wheels/$key"
  if ls "$wheel_dir"/mmcv-*.whl >/dev/null 2>&1; then
    say "  using the cached wheel in $wheel_dir"
  else
    say "  no cached wheel for $key: fetching or compiling it once (cached in $wheel_dir)"
    MMCV_VERSION="$MMCV_VERSION" MMDLKD_CACHE="$CACHE" bash "$ROOT/tools/build_mmcv.sh" "$PY" "$wheel_dir"
  fi
  pip_ install -q "$wheel_dir"/mmcv-*.whl
  if ! "$PY" -c "import mmcv._ext" 2>/dev/null; then
    say "the mmcv wheel in $wheel_dir does not load its ops here; removing it (run again to rebuild)"
    rm -rf "$wheel_dir"
    exit 1
  fi
fi

step "OpenMMLab packages and test tools: $(grep -hvE '^(#|-r|$)' "$ROOT"/requirements/{runtime,tests,mim}.txt | tr '\n' ' ')"
pip_ install -q -r "$ROOT/requirements.txt"
pip_ install -q --no-deps -r "$ROOT/requirements/mim.txt"

step "mmdlkd (editable) and an import check"
pip_ install -q --no-deps --no-build-isolation -e "$ROOT"
"$PY" -c "import mmcv.ops, mmseg.models, mmpretrain.models, mmdlkd"
step_done
echo "$want_stamp" > "$VENV/.mmdlkd-stamp"
say "ready: $VENV (set-up took $((SECONDS - setup_t0)) s)"
