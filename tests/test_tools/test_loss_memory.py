"""tools/analysis/loss_memory.py on the PSPNet DLKD configs (CPU)."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
from train_utils import ROOT, load_tool

DLKD = osp.join(ROOT, 'configs', 'dlkd', 'pspnet_r101_r18_cityscapes.py')
SUP = osp.join(ROOT, 'configs', 'dlkd', 'pspnet_r101_r18_cityscapes_sup.py')
KD = osp.join(ROOT, 'configs', 'baselines',
              'pspnet_r101_r18_kd_4xb2-40k_cityscapes-512x512.py')


@pytest.fixture(scope='module')
def tool():
    return load_tool(osp.join('analysis', 'loss_memory.py'), 'loss_memory')


def test_terms_and_json(tmp_path):
    # a fresh process with freed blocks returned to the OS (as documented):
    # in this process the allocator would reuse memory already resident
    out = tmp_path / 'mem.json'
    proc = subprocess.run([
        sys.executable, 'tools/analysis/loss_memory.py', DLKD, '--size', '32',
        '64', '--batch', '2', '--out',
        str(out)
    ],
                          cwd=ROOT,
                          env=dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536'),
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    rows = {r['term']: r['mib'] for r in json.loads(out.read_text())['rows']}
    assert list(rows) == ['loss_align', 'loss_corr', 'all']
    # 2 x 32 x 64 maps: the alignment's 1024-channel hidden map alone holds
    # 16 MiB, the correlation's 2 x 2048 x 2048 relations 32 MiB per matrix
    for name, mib in rows.items():
        assert 16 <= mib < 1024, (name, mib)
    lines = [x for x in proc.stdout.splitlines() if '|' in x]
    assert lines[0] == '| term | peak extra MiB |' and len(lines) == 5


def test_label_terms_are_skipped(tool):
    result = tool.main([SUP, '--size', '8', '16'])
    assert [r['term']
            for r in result['rows']] == ['loss_align', 'loss_corr', 'all']


def test_config_without_feature_terms(tool):
    cfg = osp.join(ROOT, 'configs', 'baselines',
                   'pspnet_r18_cityscapes_4xb2-40k-512x512.py')
    with pytest.raises(ValueError, match='no loss of model.distill'):
        tool.main([cfg, '--size', '8', '16'])
    # a logit-level baseline runs (its inputs are recorder outputs)
    result = tool.main([
        KD, '--size', '8', '16', '--teacher-channels', '19',
        '--student-channels', '19'
    ])
    assert result['rows'][0]['term'] == 'loss_kd'


def test_missing_loss_inputs_are_named(tool, tmp_path):
    cfg = tmp_path / 'no_mapping.py'
    cfg.write_text(f"_base_ = '{DLKD}'\n"
                   'model = dict(distill=dict(loss_inputs=dict(\n'
                   '    _delete_=True, loss_align=dict(\n'
                   "        s_feat=('student.feat', 'align'),\n"
                   "        t_feat='teacher.feat'))))\n")
    with pytest.raises(KeyError, match=r"no_mapping.py.*\['loss_corr'\]"):
        tool.main([str(cfg), '--size', '8', '16'])
