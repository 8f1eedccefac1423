"""tools/analysis/loss_memory.py on the PSPNet DLKD configs (CPU)."""
import importlib.util
import json
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DLKD = osp.join(ROOT, 'configs', 'dlkd', 'pspnet_r101_r18_cityscapes.py')
SUP = osp.join(ROOT, 'configs', 'dlkd', 'pspnet_r101_r18_cityscapes_sup.py')
KD = osp.join(ROOT, 'configs', 'baselines',
              'pspnet_r101_r18_kd_4xb2-40k_cityscapes-512x512.py')


@pytest.fixture(scope='module')
def tool():
    path = osp.join(ROOT, 'tools', 'analysis', 'loss_memory.py')
    spec = importlib.util.spec_from_file_location('loss_memory', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_terms_and_json(tool, tmp_path, capsys):
    out = tmp_path / 'mem.json'
    # 2 x 32 x 64 maps: the correlation's 2048 x 2048 relations per image
    # alone hold 16 MiB (float32) per matrix
    result = tool.main(
        [DLKD, '--size', '32', '64', '--batch', '2', '--out',
         str(out)])
    rows = {r['term']: r['mib'] for r in result['rows']}
    assert list(rows) == ['loss_align', 'loss_corr', 'all']
    for name, mib in rows.items():
        assert 16 <= mib < 1024, (name, mib)
    assert json.loads(out.read_text())['rows'] == result['rows']
    lines = [x for x in capsys.readouterr().out.splitlines() if '|' in x]
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
