"""Train and validate the distiller with mmengine's Runner (mmseg)."""
import torch
from distill_helpers import seg_distill, seg_model
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch.utils.data import Dataset


class TinySegDataset(Dataset):
    metainfo = dict(classes=('a', 'b', 'c', 'd'), palette=[[0, 0, 0]] * 4)

    def __len__(self):
        return 4

    def __getitem__(self, idx):
        g = torch.Generator().manual_seed(idx)
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 4, (1, 64, 64), generator=g))
        sample.set_metainfo(
            dict(img_shape=(64, 64), ori_shape=(64, 64), img_path=f'{idx}'))
        img = torch.randint(
            0, 255, (3, 64, 64), generator=g, dtype=torch.uint8)
        return dict(inputs=img, data_samples=sample)


def test_seg_train_and_val_with_iou_metric(tmp_path):
    loader = dict(
        dataset=TinySegDataset(),
        batch_size=2,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='pseudo_collate'))
    runner = Runner(
        model=dict(
            type='mmdlkd.Distiller',
            random_teacher=True,
            student=seg_model(base=8),
            teacher=seg_model(base=8),
            distill=seg_distill()),
        work_dir=str(tmp_path),
        train_dataloader=loader,
        val_dataloader=loader,
        val_evaluator=dict(type='IoUMetric', iou_metrics=['mIoU']),
        train_cfg=dict(by_epoch=False, max_iters=2, val_interval=2),
        val_cfg=dict(type='ValLoop'),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=100),
            logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmseg',
        log_level='WARNING')
    runner.train()
    logs = runner.message_hub.log_scalars
    for key in ('train/loss_align', 'train/decode.loss_ce',
                'train/aux.loss_ce', 'val/mIoU'):
        assert key in logs, key
    assert 0 <= logs['val/mIoU'].current() <= 100
