#!/usr/bin/env bash
# Times mmcv's compile back to back: as tools/build_mmcv.sh does it now
# (-O1 -g0, precompiled torch headers) and as pip does it unmodified (Python's
# -g -O3, every file parsing the torch headers), then prints the ratio.
#
#   tools/analysis/benchmark_mmcv_build.sh [PYTHON]    # PYTHON: .venv/bin/python
#
# The wheels are left in a temporary folder (printed), neither installed nor
# cached; run it on an otherwise idle machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${1:-$ROOT/.venv/bin/python}"
out="$(mktemp -d)"

time_build() {
  local name="$1" t0
  shift
  t0=$(date +%s)
  env "$@" MMCV_WHEEL_INDEX=none bash "$ROOT/tools/build_mmcv.sh" "$PY" "$out/$name" >&2 || exit 1
  echo $(($(date +%s) - t0))
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "torch: $("$PY" -c 'import torch; print(torch.__version__)'), started $(date -u +%FT%TZ)"
new=$(time_build new MMCV_CFLAGS="-O1 -g0" MMCV_PCH=1)
upstream=$(time_build upstream MMCV_CFLAGS=upstream MMCV_PCH=0)
echo "| build | wall (s) |"
echo "|---|---|"
echo "| upstream (pip's flags) | $upstream |"
echo "| -O1 -g0 + precompiled header | $new |"
"$PY" -c "print(f'speed-up: {$upstream / $new:.2f}x')"
echo "wheels: $out"
