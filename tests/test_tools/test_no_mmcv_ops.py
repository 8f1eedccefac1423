"""Our models execute no compiled mmcv op: the headline PSPNet and the CIFAR
DLKD training steps run with every function of ``mmcv._ext`` replaced by
one that records its call and raises. This is why tools/build_mmcv.sh
compiles the ops at -O1: mmseg only imports them."""
import os.path as osp

import mmcv._ext
import pytest
import torch
from test_benchmark_distill import load_benchmark
from train_utils import ROOT

CONFIGS = {
    'configs/dlkd/pspnet_r101_r18_cityscapes.py':
    ['--crop', '32', '64', '--batch-size', '2'],
    'configs/cifar100/dlkd/resnet32x4_resnet8x4_dlkd-kd_cifar100.py':
    ['--batch-size', '4'],
}


@pytest.fixture
def mmcv_ops_refused(monkeypatch):
    called = []

    def refuse(name):

        def op(*args, **kwargs):
            called.append(name)
            raise AssertionError(f'mmcv op {name} called')

        return op

    names = [n for n in dir(mmcv._ext) if not n.startswith('_')]
    assert len(names) > 100  # the compiled ops are there to refuse
    for name in names:
        monkeypatch.setattr(mmcv._ext, name, refuse(name))
    # mmcv.ops look their functions up at call time: the refusal works
    from mmcv.ops import nms
    with pytest.raises(AssertionError, match='mmcv op nms called'):
        nms(torch.rand(2, 4), torch.rand(2), 0.5)
    called.clear()
    return called


@pytest.mark.parametrize('config', list(CONFIGS))
def test_training_step_calls_no_mmcv_op(config, mmcv_ops_refused):
    tool = load_benchmark()
    args = tool.parse_args([osp.join(ROOT, config), '--no-memory'] +
                           CONFIGS[config])
    built, _ = tool.build_all(args)
    for model, wrapper, data in built.values():
        _, loss = tool.costs.run_steps(model, wrapper, data, 1, 'cpu')
        assert loss == loss and loss > 0
    assert len(built) == 3  # student, floor, DLKD
    assert mmcv_ops_refused == []
