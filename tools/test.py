"""Test a checkpoint (of a distiller or a plain OpenMMLab model).

Calls :func:`mmdlkd.utils.setup_runtime` first: local checkpoints load
weights-only (``MMDLKD_TRUSTED_CHECKPOINTS`` lists trusted exceptions),
checkpoints are written atomically and ``_base_ = 'mmdlkd::...'`` works.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmdlkd.datasets import check_dataset_paths
from mmdlkd.utils import check_cfg_options, setup_runtime


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the directory to save the metrics and logs')
    parser.add_argument(
        '--out', help='dump the metrics of the test run to this json file')
    parser.add_argument(
        '--split',
        choices=['test', 'val'],
        default='test',
        help='evaluate on the config\'s test_dataloader / test_evaluator '
        '(default) or on its val_dataloader / val_evaluator')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs in xxx=yyy '
        'format')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def use_val_split(cfg: Config, path: str) -> None:
    """Evaluate on the validation split: the config's ``val_dataloader``
    and ``val_evaluator`` take the places of the test ones."""
    for key in ('val_dataloader', 'val_evaluator'):
        if not cfg.get(key):
            raise ValueError(f'--split val: config {path} has no {key} '
                             '(after --cfg-options)')
    cfg.test_dataloader = cfg.val_dataloader
    cfg.test_evaluator = cfg.val_evaluator
    cfg.test_cfg = cfg.get('test_cfg') or dict(type='TestLoop')


def main() -> None:
    setup_runtime()
    args = parse_args()
    for path, what in ((args.config, 'config'), (args.checkpoint,
                                                 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file {path} does not exist')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options, args.config)
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.split == 'val':
        use_val_split(cfg, args.config)
    check_dataset_paths(cfg, keys=('test_dataloader', ))
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out:
        from mmengine.fileio import dump
        dump(metrics, args.out)


if __name__ == '__main__':
    main()
