"""Label values and dataset paths are checked with messages naming the
file or config key."""
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData

from mmdlkd.datasets import check_dataset_paths, check_labels


def test_label_outside_classes_names_the_file():
    from mmpretrain.structures import DataSample
    from mmseg.structures import SegDataSample
    good = DataSample(metainfo=dict(img_path='a.png')).set_gt_label(9)
    bad = DataSample(metainfo=dict(img_path='b.png')).set_gt_label(12)
    check_labels([good], 10)
    with pytest.raises(ValueError, match=r'b.png: label values \[12\]'):
        check_labels([good, bad], 10)
    seg = SegDataSample(
        metainfo=dict(img_path='x.png', seg_map_path='x_gt.png'))
    labels = torch.tensor([[[0, 18, 255], [255, 3, 1]]])
    seg.gt_sem_seg = PixelData(data=labels)
    check_labels([seg], 19, ignore_index=255)  # 255 is ignored
    seg.gt_sem_seg = PixelData(data=labels.clone().fill_(19))
    with pytest.raises(ValueError) as info:
        check_labels([seg], 19, ignore_index=255, where='the student')
    msg = str(info.value)
    assert 'x_gt.png: label values [19] (6 of 6)' in msg
    assert 'allowed: 0..18 or the ignore index 255' in msg


def test_dataset_paths_name_the_key(tmp_path):
    (tmp_path / 'cs' / 'leftImg8bit' / 'train').mkdir(parents=True)
    cfg = Config(
        dict(
            train_dataloader=dict(
                dataset=dict(
                    type='mmdlkd.RandomSubset',
                    dataset=dict(
                        type='CityscapesDataset',
                        data_root=str(tmp_path / 'cs'),
                        data_prefix=dict(
                            img_path='leftImg8bit/train',
                            seg_map_path='gtFine/train')))),
            val_dataloader=dict(
                dataset=dict(
                    type='CustomDataset', data_root='/nowhere/digits')),
            test_dataloader=dict(
                dataset=dict(
                    type='ConcatDataset',
                    datasets=[
                        dict(
                            type='CustomDataset',
                            data_root=str(tmp_path),
                            ann_file='meta/val.txt'),
                        dict(type='CustomDataset', data_root='s3://b/x')
                    ]))))
    with pytest.raises(FileNotFoundError) as info:
        check_dataset_paths(cfg)
    msg = str(info.value)
    assert ('train_dataloader.dataset.dataset.data_prefix.seg_map_path: '
            f"'{tmp_path}/cs/gtFine/train' does not exist") in msg
    assert 'img_path' not in msg
    assert ("val_dataloader.dataset.data_root: directory '/nowhere/digits' "
            'does not exist') in msg
    assert (f"test_dataloader.dataset.datasets[0].ann_file: '{tmp_path}/"
            "meta/val.txt' does not exist") in msg
    assert 's3://' not in msg
    # datasets that download their data are not checked
    check_dataset_paths(
        Config(
            dict(
                default_scope='mmpretrain',
                train_dataloader=dict(
                    dataset=dict(type='CIFAR100', data_root='/nowhere')))))


def pooled_branch(scale, norm):
    return torch.nn.Sequential(
        torch.nn.AdaptiveAvgPool2d(scale), torch.nn.Conv2d(4, 4, 1), norm(4))


def test_pooled_norm_values_count_batch_cells_and_processes():
    from mmdlkd.datasets.checks import pooled_norm_values
    bn = torch.nn.BatchNorm2d
    model = torch.nn.ModuleDict(
        dict(
            wide=pooled_branch(3, bn),  # 9 cells
            tall=pooled_branch((2, 1), bn),  # 2 cells
            plain=torch.nn.Sequential(torch.nn.Conv2d(4, 4, 1), bn(4))))
    assert pooled_norm_values(model, 1, 4) == ('tall.2', 2, False)
    assert pooled_norm_values(model, 3, 1) == ('tall.2', 6, False)
    # SyncBN pools the values of every process, BN those of its own
    sync = torch.nn.ModuleDict(
        dict(ppm=pooled_branch(1, torch.nn.SyncBatchNorm)))
    assert pooled_norm_values(sync, 1, 8) == ('ppm.2', 8, True)
    assert pooled_norm_values(torch.nn.Conv2d(1, 1, 1), 1, 1) is None


def test_one_value_per_channel_is_refused_before_training():
    from mmseg.models.decode_heads import PSPHead

    from mmdlkd.datasets.checks import check_pooled_norm_batch
    head = PSPHead(
        in_channels=8, channels=4, num_classes=3, norm_cfg=dict(type='BN'))
    check_pooled_norm_batch(head, 2, 1)
    with pytest.raises(ValueError) as info:
        check_pooled_norm_batch(head, 1, 1, 'cfg.py')
    msg = str(info.value)
    assert msg.startswith('cfg.py: psp_modules.0.1.bn normalises')
    assert 'SyncBN becomes BN without a process group' in msg
    assert 'train_dataloader.batch_size=2' in msg
    # one image per GPU is fine when SyncBN gathers 8 processes
    head = PSPHead(
        in_channels=8, channels=4, num_classes=3, norm_cfg=dict(type='SyncBN'))
    check_pooled_norm_batch(head, 1, 8)
    with pytest.raises(ValueError, match='SyncBN over 1 process'):
        check_pooled_norm_batch(head, 1, 1)
