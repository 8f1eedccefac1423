"""Model-zoo entries whose weights ship in the repository: the file's
SHA-256 is the metafile's (and its name ends with the hash's first 8
digits, as OpenMMLab's zoo names files), and ``tools/test.py`` on it
reproduces the metafile's test number."""
import glob
import hashlib
import json
import os.path as osp

import pytest
import yaml
from train_utils import ROOT, run_tool

# metafile metric name -> the key tools/test.py writes
METRICS = {'Top 1 Accuracy': 'accuracy/top1', 'mIoU': 'mIoU'}
# the data each collection's test needs (prepared by `make data`)
DATA = {
    'DLKD Fashion-MNIST': 'data/fashion_mnist/t10k-labels-idx1-ubyte',
    'Fashion-MNIST mosaics': 'data/fashion_mosaics/img_dir/test',
}


def shipped_models() -> list:
    models = []
    for path in sorted(
            glob.glob(osp.join(ROOT, 'configs', '*', 'metafile.yml'))):
        with open(path) as f:
            meta = yaml.safe_load(f)
        for model in meta.get('Models', []):
            weights = model.get('Weights', '')
            if weights and '://' not in weights:
                models.append(pytest.param(model, id=model['Name']))
    return models


MODELS = shipped_models()


@pytest.mark.parametrize('model', MODELS)
def test_weights_match_their_hash(model):
    path = osp.join(ROOT, model['Weights'])
    assert osp.isfile(path), f'{model["Name"]}: {path} is missing'
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert digest == model['Metadata']['SHA256'], model['Name']
    assert path.endswith(f'-{digest[:8]}.pth'), model['Name']


@pytest.mark.parametrize('model', MODELS)
def test_tools_test_reproduces_the_number(model, tmp_path):
    data = DATA.get(model['In Collection'])
    if data and not osp.exists(osp.join(ROOT, data)):
        pytest.skip(f'{data} is missing: run `make data`')
    config = model['Metadata'].get('Test Config', model['Config'])
    result = model['Results'][0]
    out = tmp_path / 'metrics.json'
    run_tool(
        'test.py',
        config,
        osp.join(ROOT, model['Weights']),
        '--work-dir',
        tmp_path,
        '--out',
        out,
        timeout=900)
    measured = json.loads(out.read_text())
    for name, value in result['Metrics'].items():
        assert measured[METRICS[name]] == pytest.approx(value, abs=0.01), \
            f'{model["Name"]}: {name}'
