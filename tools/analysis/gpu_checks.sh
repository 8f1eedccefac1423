#!/usr/bin/env bash
# The GPU checks of docs/benchmarks.md in one run, on one GPU:
#   1. benchmark_distill.py at full size: PSPNet R101 -> R18 at 512x1024,
#      batch 2 (KD, CWD, SKD, DLKD, DLKD + supervised term), and
#      resnet32x4 -> resnet8x4 at batch 64 x 4 views (DLKD, KD, DLKD + KD);
#   2. loss_memory.py: each DLKD term's peak memory at 512x1024, batch 2;
#   3. the 512x1024 DLKD config through tools/dist_train.sh with 1 process
#      (NCCL, SyncBN, --amp) on synthetic full-size Cityscapes images and a
#      random teacher checkpoint, then the exported student through
#      tools/test.py with mmseg's own PSPNet R18-D8 config;
#   4. benchmark_teacher.py: the R101 teacher's forward alone in float32,
#      bf16, fp16, channels-last and with its batch norms folded, with each
#      variant's feature error; the PSPNet step benchmark with the teacher
#      variants of TEACHER_VARIANTS, and with AMP.
# Each step has a time limit; a failing step does not stop the others.
#
# Usage: tools/analysis/gpu_checks.sh OUT_DIR
#   SKIP="pspnet cifar ..." skips the steps named (see ``step`` below).
#   TEACHER_VARIANTS="bf16 bf16_cl ..." chooses the teacher variants of the
#   step benchmark of step 4 (default: bf16_cl bf16_cl_fused; any of bf16,
#   bf16_cl, bf16_fused, bf16_cl_fused, fused).
#   SMALL=1 runs the same steps on CPU at tiny sizes (BN, no AMP, train.py
#   without a launcher) to check the script itself.
set -u -o pipefail
OUT=$(mkdir -p "${1:?usage: gpu_checks.sh OUT_DIR}" && cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
PY=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export PYTHONWARNINGS=ignore::UserWarning
# tools/dist_train.sh calls ``python``
command -v python > /dev/null || {
  mkdir -p "$WORK/bin" && ln -s "$(command -v "$PY")" "$WORK/bin/python"
  export PATH="$WORK/bin:$PATH"
}
BENCH="$PY tools/analysis/benchmark_distill.py"
SEG=configs/baselines/pspnet_r101_r18
DLKD=configs/dlkd/pspnet_r101_r18_4xb2-40k_cityscapes-512x512.py
CIFAR=configs/cifar100
TRAIN_CFG=configs/dlkd/pspnet_r101_r18_4xb2-80k_cityscapes-512x1024.py
MMSEG_R18=$($PY -c "import mmseg, os.path as p; print(p.join(p.dirname(\
mmseg.__file__), '.mim/configs/pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'))")
HEADS="backbone decode_head auxiliary_head"
if [ "${SMALL:-0}" = 1 ]; then
  DEV=cpu SLOW=4 CROP="64 128" FEAT="8 16" CIFAR_BATCH=4 IMG="128 256" ITERS=2
  TEACHER_BENCH="--variants bf16 --iters 1 --warmup 1 --repeats 1"
  TIMING="--iters 1 --warmup 1 --repeats 2"
  # mmengine's pytorch launcher needs CUDA: train.py without a launcher
  AMP="" LAUNCH="$PY tools/train.py" GPUS="" TRAIN_OPTS=""
  TEST_OPTS="model.data_preprocessor.size=(64,128)"
  TEST_OPTS+=" test_dataloader.dataset.pipeline.1.scale=(256,128)"
  for h in $HEADS; do
    TRAIN_OPTS+=" model.student.$h.norm_cfg.type=BN model.teacher.$h.norm_cfg.type=BN"
    TEST_OPTS+=" model.$h.norm_cfg.type=BN"
  done
  TRAIN_OPTS+=" model.student.data_preprocessor.size=(64,128)"
  TRAIN_OPTS+=" train_dataloader.dataset.pipeline.2.scale=(256,128)"
  TRAIN_OPTS+=" train_dataloader.dataset.pipeline.3.crop_size=(64,128)"
  TRAIN_OPTS+=" val_dataloader.dataset.pipeline.1.scale=(256,128)"
else
  DEV=cuda SLOW=1 CROP="512 1024" FEAT="64 128" CIFAR_BATCH=64 IMG="1024 2048"
  ITERS=40 TIMING="--iters 4 --warmup 3 --repeats 5" AMP=--amp
  TEACHER_BENCH="--variants fused bf16 bf16_cl bf16_fused bf16_cl_fused fp16"
  TEACHER_BENCH+=" fp16_cl_fused --iters 4 --warmup 3 --repeats 5"
  LAUNCH="tools/dist_train.sh" GPUS=1
  TRAIN_OPTS="" TEST_OPTS=""
fi
echo "gpu_checks: $DEV, out $OUT, work $WORK"
[ "$DEV" = cuda ] && nvidia-smi --query-gpu=name,memory.total,driver_version \
  --format=csv,noheader
FAILED=""

# step NAME SECONDS COMMAND...: runs it with a time limit, log in OUT
step() {
  local name=$1 limit=$(($2 * SLOW)) t0 rc
  shift 2
  case " ${SKIP:-} " in *" $name "*) echo "== $name: skipped"; return 0 ;; esac
  t0=$(date +%s)
  echo "== $name: $*" >> "$OUT/steps.log"
  timeout "$limit" "$@" 2>&1 | sed '/^\s*$/d' >> "$OUT/steps.log"
  rc=$?
  echo "== $name: exit $rc after $(($(date +%s) - t0)) s" | tee -a "$OUT/steps.log"
  [ "$rc" = 0 ] || FAILED+=" $name"
  return "$rc"
}

step pspnet 180 $BENCH ${SEG}_{kd,cwd,skd}_4xb2-40k_cityscapes-512x512.py \
  $DLKD configs/dlkd/pspnet_r101_r18_cityscapes_sup.py \
  --names kd cwd skd dlkd dlkd_sup --crop $CROP --batch-size 2 $TIMING \
  --device $DEV --out "$OUT/pspnet.json"
step cifar 120 $BENCH $CIFAR/dlkd/resnet32x4_resnet8x4_dlkd_cifar100.py \
  $CIFAR/baselines/resnet32x4_resnet8x4_kd_cifar100.py \
  $CIFAR/dlkd/resnet32x4_resnet8x4_dlkd-kd_cifar100.py \
  --names dlkd kd dlkd_kd --batch-size $CIFAR_BATCH $TIMING --device $DEV \
  --out "$OUT/cifar.json"
step loss_memory 60 $PY tools/analysis/loss_memory.py $DLKD --size $FEAT \
  --batch 2 --device $DEV --out "$OUT/loss_memory.json"

DATA=$WORK/cityscapes
DATA_OPTS="train_dataloader.dataset.data_root=$DATA"
DATA_OPTS+=" val_dataloader.dataset.data_root=$DATA"
DATA_OPTS+=" test_dataloader.dataset.data_root=$DATA"
step data 60 $PY tools/data/make_synthetic_cityscapes.py "$DATA" \
  --num-train 4 --num-val 2 --height ${IMG% *} --width ${IMG#* }
step teacher 60 $PY -c "
import sys, torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmdlkd.models.distillers.teacher import build_teacher
cfg = Config.fromfile('$TRAIN_CFG')
cfg.merge_from_dict(dict(o.split('=') for o in sys.argv[1:]))
with DefaultScope.overwrite_default_scope('mmseg'):
    torch.manual_seed(0)
    model = build_teacher(cfg.model.teacher)
torch.save(dict(state_dict=model.state_dict()), '$WORK/teacher.pth')
print('random teacher saved')" $(printf '%s\n' $TRAIN_OPTS | grep teacher)
step train 240 $LAUNCH $TRAIN_CFG $GPUS $AMP --work-dir "$WORK/train" \
  --cfg-options model.teacher_ckpt="$WORK/teacher.pth" \
  model.student.pretrained=None $DATA_OPTS train_dataloader.batch_size=2 \
  train_cfg.max_iters=$ITERS train_cfg.val_interval=$ITERS \
  param_scheduler.0.end=$ITERS default_hooks.checkpoint.interval=$ITERS \
  default_hooks.logger.interval=10 randomness.seed=0 $TRAIN_OPTS
step export 60 $PY tools/model_converters/export_student.py \
  "$WORK/train/iter_$ITERS.pth" "$WORK/student.pth"
step test 120 $PY tools/test.py "$MMSEG_R18" "$WORK/student.pth" \
  --work-dir "$WORK/test" --cfg-options model.pretrained=None $DATA_OPTS \
  $TEST_OPTS
grep -h 'Iter(train)' "$OUT/steps.log" | tail -n 1
grep -h -o 'mIoU: [0-9.]*' "$OUT/steps.log" | sed 's/^/train val, then test: /'

# the teacher's precision and layout: its forward alone, then in the step
step teacher_variants 120 $PY tools/analysis/benchmark_teacher.py $DLKD \
  --crop $CROP --batch-size 2 --device $DEV $TEACHER_BENCH \
  --out "$OUT/teacher_variants.json"
for variant in ${TEACHER_VARIANTS:-bf16_cl bf16_cl_fused}; do
  flags=""
  case $variant in bf16*) flags+=" --teacher-dtype bf16" ;; esac
  case $variant in *cl*) flags+=" --teacher-channels-last" ;; esac
  case $variant in *fused) flags+=" --teacher-fuse-bn" ;; esac
  step pspnet_$variant 120 $BENCH $DLKD --names dlkd --crop $CROP \
    --batch-size 2 $TIMING --device $DEV $flags \
    --out "$OUT/pspnet_$variant.json"
done
[ -n "$AMP" ] && step pspnet_amp 120 $BENCH $DLKD --names dlkd --crop $CROP \
  --batch-size 2 $TIMING --device $DEV \
  --cfg-options optim_wrapper.type=AmpOptimWrapper \
  --out "$OUT/pspnet_amp.json"
grep -E -e '^\| (method|student|floor|kd|cwd|skd|dlkd|term|loss_|all)' \
  -e '^\| (variant|fp32|fused|bf16|fp16)' \
  -e 'threads, torch|channels$' "$OUT/steps.log"
echo "gpu_checks: done; failed:${FAILED:- none}"
[ -z "$FAILED" ]
