"""docs/own_pair.md: its worked example builds and trains a step, and the
tool output and the error message it shows are what the code prints."""
import glob
import os.path as osp
import re
import sys

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PAGE = open(osp.join(ROOT, 'docs', 'own_pair.md')).read()
DLKD = 'configs/transformers/vit-d6-p4_resnet8_dlkd_fashion-mnist.py'


def blocks(kind: str) -> list:
    return re.findall(rf'```{kind}\n(.*?)```', PAGE, flags=re.S)


def squeeze(text: str) -> str:
    return ' '.join(text.split())


def example_model(tmp_path, tokens: bool = True):
    """The worked example, built with a random teacher (as the Runner
    builds it: the config's top-level preprocessor passed in)."""
    (text, ) = [
        b for b in blocks('python')
        if b.startswith('# own_pair example: a ViT block into a ResNet stage')
    ]
    if not tokens:
        text = text.replace("tokens=dict(to='map', num_extra_tokens=1)",
                            'io=\'output\'')
    path = tmp_path / 'example.py'
    path.write_text(text.replace("'configs/", f"'{ROOT}/configs/"))
    cfg = Config.fromfile(str(path))
    cfg.model.update(teacher_ckpt=None, random_teacher=True)
    init_default_scope('mmpretrain')
    from mmdlkd.registry import MODELS
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def one_step(model) -> dict:
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(0)
    views = [torch.randn(2, 1, 32, 32, generator=g) for _ in range(2)]
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    return model.loss(views, samples)


def test_worked_example_trains_a_step(tmp_path):
    model = example_model(tmp_path)
    losses = one_step(model)
    assert {'loss', 'loss_align', 'loss_corr', 'loss_sup',
            'loss_hint'} <= set(losses)
    assert torch.isfinite(losses['loss_hint']) and losses['loss_hint'] > 0
    # the shapes the page gives: a 32x16x16 stage, a 128x8x8 token map
    batch = torch.randn(4, 1, 32, 32)
    model.run_teacher(batch)
    assert model.teacher_recorders.get('block').shape == (4, 128, 8, 8)
    with model.student_recorders.recording():
        model.student.extract_feat(batch)
    assert model.student_recorders.get('stage').shape == (4, 32, 16, 16)


def test_the_message_without_tokens_is_the_pages(tmp_path):
    model = example_model(tmp_path, tokens=False)
    try:
        one_step(model)
    except ValueError as err:
        message = f'ValueError: {err}'
    else:
        raise AssertionError('tokens reached AlignLoss unrefused')
    (shown, ) = [b for b in blocks('text') if b.startswith('ValueError')]
    assert squeeze(message) == squeeze(shown)


def test_tool_output_is_the_pages(capsys):
    sys.path.insert(0, osp.join(ROOT, 'tests', 'test_tools'))
    from train_utils import load_tool
    tool = load_tool(
        osp.join('analysis', 'print_recordable.py'), 'print_recordable')
    config = osp.join(ROOT, DLKD)
    printed = []
    for args in (['--teacher', '--max-depth', '3'], ['--max-depth', '2']):
        assert tool.main([config, *args]) == 0
        printed.append(squeeze(capsys.readouterr().out))
    shown = [squeeze(b) for b in blocks('text') if ': ImageClassifier' in b]
    assert shown == printed


def test_named_configs_exist_and_every_pair_is_listed():
    named = set(re.findall(r'configs/[\w/.\-]+\.py', PAGE))
    for path in named:
        assert osp.isfile(osp.join(ROOT, path)), path
    listed = set(re.findall(r'`([\w.\-]+\.py)`', PAGE))
    shipped = {
        osp.basename(p)
        for p in glob.glob(osp.join(ROOT, 'configs', 'transformers', '*.py'))
    }
    assert shipped <= listed, shipped - listed
