"""``mim search mmdlkd`` and ``mim train mmdlkd CONFIG`` on a regular
(non-editable) install of the package, as docs/install.md says: mim 0.3.9
looks for a package's files beside its distribution, which an editable
install does not have."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MIM = osp.join(osp.dirname(sys.executable), 'mim')


@pytest.fixture(scope='module')
def installed(tmp_path_factory) -> dict:
    """Install a copy of the tracked files present in the working tree into a
    folder; return the env."""
    tmp = tmp_path_factory.mktemp('mim')
    src = tmp / 'src'
    files = subprocess.run(['git', 'ls-files'],
                           cwd=ROOT,
                           check=True,
                           stdout=subprocess.PIPE,
                           text=True).stdout.split()
    for name in files:
        if not osp.exists(osp.join(ROOT, name)):
            # deleted in the working tree, e.g. a suite's older partial
            continue
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(osp.join(ROOT, name), src / name)
    site = tmp / 'site'
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
        '--no-build-isolation', '--target',
        str(site),
        str(src)
    ],
                   check=True)
    return dict(os.environ, PYTHONPATH=str(site))


def _mim(env, *args, cwd):
    proc = subprocess.run([MIM, *map(str, args)],
                          env=env,
                          cwd=cwd,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    return proc.stdout


def test_mim_search_lists_the_configs(installed, tmp_path):
    out = _mim(installed, 'search', 'mmdlkd', cwd=tmp_path)
    for name in ('pspnet_r101_r18_cityscapes', 'resnet34_resnet18_8xb32_in1k',
                 'dlkd_resnet20_resnet8_digits_10pct'):
        assert f'config id: {name}\n' in out


def test_mim_train_runs_a_config(installed, digits_root, tmp_path):
    data = [
        f'{key}={digits_root}'
        for key in ('train_dataloader.dataset.dataset.data_root',
                    'val_dataloader.dataset.data_root',
                    'test_dataloader.dataset.data_root')
    ]
    out = _mim(
        installed,
        'train',
        'mmdlkd',
        'configs/demo/student_resnet8_digits_10pct.py',
        '--work-dir',
        tmp_path / 'work',
        '--cfg-options',
        'train_cfg.max_iters=2',
        *data,
        cwd=tmp_path)
    assert 'Training finished successfully' in out
    assert (tmp_path / 'work' / 'iter_2.pth').is_file()


def test_package_configs_resolve_in_a_regular_install(installed, tmp_path):
    """``_base_ = 'mmdlkd::...'`` from a folder outside the repository
    reads the configs carried inside the installed package."""
    user = tmp_path / 'my_pspnet.py'
    user.write_text("_base_ = 'mmdlkd::dlkd/pspnet_r101_r18_cityscapes.py'\n"
                    'train_cfg = dict(max_iters=123)\n')
    script = ('import mmdlkd\n'
              'from mmengine.config import Config\n'
              'from mmdlkd.utils import setup_runtime\n'
              'from mmdlkd.utils.package_configs import configs_root\n'
              'setup_runtime()\n'
              f'cfg = Config.fromfile({str(user)!r})\n'
              'print(mmdlkd.__file__)\n'
              'print(configs_root())\n'
              'print(cfg.train_cfg.max_iters, cfg.model.type)\n')
    proc = subprocess.run([sys.executable, '-c', script],
                          env=installed,
                          cwd=tmp_path,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:]
    package, configs, values = proc.stdout.strip().splitlines()[-3:]
    site = installed['PYTHONPATH']
    assert package.startswith(site) and not package.startswith(ROOT)
    assert configs == osp.join(site, 'mmdlkd', '.mim', 'configs')
    assert values == '123 mmdlkd.Distiller'
