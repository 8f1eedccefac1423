"""tools/analysis/gpu_checks.sh in its CPU mode (SMALL=1), benchmarks
skipped: synthetic data, a random R101 teacher checkpoint, 2 training
iterations, export and mmseg's test of the student."""
import os
import re
import subprocess
import sys

from train_utils import ROOT


def test_gpu_checks_small(tmp_path):
    env = dict(
        os.environ,
        SMALL='1',
        SKIP='pspnet cifar pspnet_bf16 pspnet_bf16_cl pspnet_bf16_fused '
        'pspnet_bf16_cl_fused pspnet_fused',
        PYTHON=sys.executable,
        TMPDIR=str(tmp_path))
    proc = subprocess.run(
        ['bash', 'tools/analysis/gpu_checks.sh',
         str(tmp_path / 'out')],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900)
    assert proc.returncode == 0, proc.stdout[-6000:]
    out = proc.stdout
    for step in ('loss_memory', 'data', 'teacher', 'train', 'export', 'test',
                 'teacher_variants'):
        assert re.search(rf'== {step}: exit 0 after', out), step
    assert re.search(r'^\| bf16 \| ', out, flags=re.M)
    assert '== pspnet: skipped' in out
    assert 'gpu_checks: done; failed: none' in out
    # the exported student scores in mmseg's config what the distiller
    # validated (same weights, same images)
    train_miou, test_miou = re.findall(r'train val, then test: mIoU: (\S+)',
                                       out)
    assert train_miou == test_miou
    assert (tmp_path / 'out' / 'loss_memory.json').is_file()
