"""model-index.yml and the metafiles: mim reads them, every config they
name exists, and every shipped config is listed."""
import glob
import os.path as osp

from mim.commands.search import convert2df
from modelindex.load_model_index import load

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _models():
    index = load(osp.join(ROOT, 'model-index.yml'))
    return index, index.models


def test_mim_parses_the_model_index():
    index, models = _models()
    table = convert2df(index)
    assert 'pspnet_r101_r18_cityscapes' in table.index
    assert 'dlkd_resnet20_resnet8_digits_10pct' in table.index
    assert len(table) == len(models)


def test_named_configs_exist_and_every_config_is_listed():
    _, models = _models()
    named = {m.config for m in models}
    for path in named:
        assert osp.isfile(osp.join(ROOT, path)), path
    shipped = {
        osp.relpath(p, ROOT)
        for p in glob.glob(
            osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
        if '/_base_/' not in p
    }
    assert shipped - named == set()


def test_published_numbers_are_attributed():
    _, models = _models()
    for model in models:
        meta = model.metadata.data if model.metadata else {}
        if model.results:
            # a result is either upstream (named source) or ours (a log)
            log = model.data.get('Training Log')
            assert 'Source' in meta or log, model.name
            if log and not log.startswith('http'):
                assert osp.isfile(osp.join(ROOT, log)), (model.name, log)
        else:
            assert 'Status' in meta, model.name
