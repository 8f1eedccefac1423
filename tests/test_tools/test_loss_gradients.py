"""tools/analysis/loss_gradients.py: each loss term's gradient on the
student against the student's own losses'."""
import csv
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope
from train_utils import ROOT, fashion_config_on_digits, load_tool, run_tool

from mmdlkd.evaluation import build_eval_dataloader, build_model

tool = load_tool('analysis/loss_gradients.py', 'loss_gradients')
TASK = tool.TASK

CONFIG = osp.join(ROOT, 'tests', 'data', 'configs', 'tiny_distill_digits.py')


def _terms(**grads):
    return {
        name: dict(value=float(i), grad=torch.tensor(g))
        for i, (name, g) in enumerate(grads.items())
    }


def test_summary_by_hand():
    """Ratios and cosines per batch, then means: batch 1 task (3, 4), term
    (0, 2): |term| 2, ratio 2 / 5, cosine 8 / 10; batch 2 task (1, 0), term
    (-2, 0): ratio 2, cosine -1."""
    rows = tool.summarise([
        _terms(**{
            TASK: [3., 4.],
            'loss_a': [0., 2.]
        }),
        _terms(**{
            TASK: [1., 0.],
            'loss_a': [-2., 0.]
        })
    ])
    task, term = rows
    assert task['term'] == TASK and task['grad_over_task'] == pytest.approx(1)
    assert task['cos_with_task'] == pytest.approx(1)
    assert task['grad_norm'] == pytest.approx((5 + 1) / 2)
    assert term['term'] == 'loss_a' and term['value'] == 1.0
    assert term['grad_norm'] == pytest.approx(2)
    assert term['grad_over_task'] == pytest.approx((0.4 + 2) / 2)
    assert term['cos_with_task'] == pytest.approx((0.8 - 1) / 2)


def test_term_gradients_equal_each_terms_backward(tiny_distill_cfg):
    """Each term's gradient is what ``backward`` of that loss alone leaves
    on the student's parameters; ``task`` is the student's own loss."""
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = build_model(tiny_distill_cfg).train()
    data = next(iter(build_eval_dataloader(tiny_distill_cfg, 'train')))
    params = [p for p in model.student.parameters() if p.requires_grad]
    terms = tool.term_gradients(model, data, params)
    assert sorted(terms) == ['loss_align', 'loss_kd', TASK]
    for name, key in (('loss_kd', 'loss_kd'), ('loss_align', 'loss_align'),
                      (TASK, 'loss')):
        model.zero_grad()
        losses = model(
            **model.data_preprocessor(data, training=True), mode='loss')
        losses[key].backward()
        want = torch.cat([
            (p.grad if p.grad is not None else torch.zeros_like(p)).flatten()
            for p in params
        ])
        assert terms[name]['value'] == pytest.approx(
            float(losses[key].detach()))
        torch.testing.assert_close(terms[name]['grad'], want)
        assert want.norm() > 0


def test_student_weights_from_a_distiller_or_an_export(tiny_distill_cfg,
                                                       tmp_path):
    """A distiller checkpoint gives its ``student.`` entries (its teacher's
    are left out), an exported student its own keys."""
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    trained = build_model(tiny_distill_cfg)
    want = trained.student.state_dict()
    for name, state in (('distiller', trained.state_dict()), ('export', want)):
        path = tmp_path / f'{name}.pth'
        torch.save({'state_dict': state}, path)
        torch.manual_seed(1)
        fresh = build_model(tiny_distill_cfg).student
        assert not torch.equal(fresh.state_dict()['head.fc.weight'],
                               want['head.fc.weight'])
        tool.load_student(fresh, str(path))
        for key, value in want.items():
            assert torch.equal(fresh.state_dict()[key], value), key


def test_tool_writes_the_table_and_names_bad_input(digits_root, tmp_path):
    data = [
        f'{k}.dataset.data_root={digits_root}'
        for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    out = tmp_path / 'out'
    run_tool('analysis/loss_gradients.py', CONFIG, '--batches', '2',
             '--out-dir', out, '--cfg-options', *data)
    with open(out / 'loss_gradients.csv') as f:
        rows = {r['term']: r for r in csv.DictReader(f)}
    assert sorted(rows) == ['loss_align', 'loss_kd', TASK]
    assert float(rows[TASK]['grad_over_task']) == pytest.approx(1)
    assert float(rows[TASK]['cos_with_task']) == pytest.approx(1)
    assert all(float(r['grad_norm']) > 0 for r in rows.values())

    bad = tmp_path / 'other.pth'
    torch.save({'state_dict': {'head.fc.weight': torch.zeros(3, 3)}}, bad)
    with pytest.raises(AssertionError) as err:
        run_tool('analysis/loss_gradients.py', CONFIG, '--student', bad,
                 '--out-dir', out, '--cfg-options', *data)
    assert f'--student {bad}: its weights do not fit' in str(err.value)
    student = osp.join(ROOT, 'tests', 'data', 'configs',
                       'tiny_resnet_digits.py')
    with pytest.raises(AssertionError) as err:
        run_tool('analysis/loss_gradients.py', student, '--out-dir', out,
                 '--cfg-options', *data)
    assert 'not an mmdlkd distiller' in str(err.value)
    with pytest.raises(AssertionError) as err:
        run_tool('analysis/loss_gradients.py', CONFIG, '--layer', 'neck')
    assert '--submodule and --layer choose a representation' in str(err.value)


def test_crd_banks_are_set_up_as_the_hook_does(digits_root, tmp_path):
    """A config with ``mmdlkd.CRDMemoryHook`` (the shipped Fashion-MNIST
    CRD) gets its memory banks sized to the training set first."""
    config = osp.join(ROOT, 'configs', 'fashion_mnist',
                      'resnet20_resnet8_crd_fashion-mnist.py')
    cfg = fashion_config_on_digits(config, digits_root, tmp_path, 16)
    path = str(tmp_path / 'crd.py')
    cfg.dump(path)
    out = run_tool('analysis/loss_gradients.py', path, '--batches', '1',
                   '--out-dir', tmp_path / 'out')
    assert 'memory banks of ' in out
    with open(tmp_path / 'out' / 'loss_gradients.csv') as f:
        rows = {r['term']: r for r in csv.DictReader(f)}
    assert sorted(rows) == ['loss_crd', TASK]
    assert float(rows['loss_crd']['grad_norm']) > 0
