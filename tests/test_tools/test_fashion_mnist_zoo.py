"""The Fashion-MNIST model zoo: each shipped checkpoint has the metafile's
SHA-256, and tools/test.py on it gives the metafile's test number (on the
real Fashion-MNIST test images, which `make test` prepares)."""
import hashlib
import json
import os.path as osp

import pytest
import yaml
from train_utils import ROOT, run_tool

METAFILE = osp.join(ROOT, 'configs', 'fashion_mnist', 'metafile.yml')
DATA = osp.join(ROOT, 'data', 'fashion_mnist', 't10k-labels-idx1-ubyte')


def zoo_models() -> list:
    with open(METAFILE) as f:
        models = yaml.safe_load(f)['Models']
    return [m for m in models if m.get('Weights')]


def test_the_zoo_has_the_teacher_and_students():
    names = {m['Name'] for m in zoo_models()}
    assert 'resnet20_fashion_mnist' in names


@pytest.mark.parametrize('model', zoo_models(), ids=lambda m: m['Name'])
def test_weights_have_the_recorded_sha256(model):
    path = osp.join(ROOT, model['Weights'])
    with open(path, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    assert sha == model['Metadata']['SHA256']
    assert osp.basename(path).split('-')[-1] == sha[:8] + '.pth'


@pytest.mark.skipif(
    not osp.isfile(DATA), reason='Fashion-MNIST is not in data/fashion_mnist')
@pytest.mark.parametrize('model', zoo_models(), ids=lambda m: m['Name'])
def test_tools_test_reproduces_the_recorded_number(model, tmp_path):
    meta = model['Metadata']
    config = meta.get('Test Config', model['Config'])
    out = tmp_path / 'metrics.json'
    run_tool('test.py', config, model['Weights'], '--work-dir', tmp_path,
             '--out', out)
    top1 = json.loads(out.read_text())['accuracy/top1']
    expected = model['Results'][0]['Metrics']['Top 1 Accuracy']
    assert round(top1, 2) == expected
