"""StudentCheckpointHook in a tiny CPU training run (mmpretrain)."""
import copy
import os.path as osp

import torch
from mmengine.runner import Runner, load_checkpoint
from mmpretrain.structures import DataSample
from tiny_models import cls_model
from torch.utils.data import Dataset

from mmdlkd.registry import MODELS


class TinyDataset(Dataset):
    metainfo = dict(classes=('a', 'b', 'c', 'd', 'e'))

    def __len__(self):
        return 8

    def __getitem__(self, idx):
        g = torch.Generator().manual_seed(idx)
        img = torch.randint(
            0, 255, (3, 32, 32), generator=g, dtype=torch.uint8)
        return dict(
            inputs=img, data_samples=DataSample().set_gt_label(idx % 5))


def test_student_files_beside_checkpoints(tmp_path):
    torch.manual_seed(3)
    teacher = MODELS.build(dict(cls_model(32), _scope_='mmpretrain'))
    teacher_state = copy.deepcopy(teacher.state_dict())
    teacher_ckpt = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher_state), teacher_ckpt)
    model = dict(
        type='mmdlkd.Distiller',
        student=cls_model(16),
        teacher=cls_model(32),
        teacher_ckpt=teacher_ckpt,
        distill=dict(
            recorders=dict(
                student=dict(f=dict(source='neck', index=0)),
                teacher=dict(f=dict(source='neck', index=0))),
            connectors=dict(
                p=dict(
                    type='mmdlkd.LinearConnector',
                    in_channels=32,
                    out_channels=64)),
            losses=dict(loss_f=dict(type='mmdlkd.AlignLoss')),
            loss_inputs=dict(
                loss_f=dict(s_feat=('student.f', 'p'), t_feat='teacher.f'))))
    runner = Runner(
        model=model,
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=TinyDataset(),
            batch_size=4,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=False, max_iters=3),
        optim_wrapper=dict(
            optimizer=dict(
                type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-2)),
        default_hooks=dict(
            checkpoint=dict(
                type='CheckpointHook',
                interval=1,
                by_epoch=False,
                max_keep_ckpts=2),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='mmdlkd.StudentCheckpointHook')],
        default_scope='mmpretrain',
        log_level='WARNING')
    student_before = copy.deepcopy(runner.model.student.state_dict())
    runner.train()
    assert not osp.exists(tmp_path / 'iter_1_student.pth')
    assert osp.exists(tmp_path / 'iter_2_student.pth')
    path = str(tmp_path / 'iter_3_student.pth')
    plain = MODELS.build(dict(cls_model(16), _scope_='mmpretrain'))
    ckpt = load_checkpoint(plain, path, strict=True)
    assert ckpt['meta']['iter'] == 3
    assert ckpt['meta']['student_weights'] == 'raw'  # no EMAHook
    assert ckpt['meta']['dataset_meta']['classes'][0] == 'a'
    for key, value in plain.state_dict().items():
        assert torch.equal(value, runner.model.student.state_dict()[key])
    for key, value in runner.model.teacher.state_dict().items():
        # bit-identical after init_weights and 3 SGD steps with decay
        assert torch.equal(value, teacher_state[key]), key
    assert not torch.equal(plain.head.fc.weight,
                           student_before['head.fc.weight'])
    assert not runner.model.teacher.training
