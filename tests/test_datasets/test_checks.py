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
