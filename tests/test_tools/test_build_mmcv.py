"""tools/build_mmcv.sh without OpenMMLab's wheel index (unreachable here): a
folder of wheels stands in for the index, and a stand-in mmcv source whose
build fails quickly checks the fall-back to compiling."""
import io
import os
import subprocess
import sys
import tarfile
import zipfile

from train_utils import ROOT


def build_mmcv(wheel_dir, **env):
    proc = subprocess.run(
        ['bash', 'tools/build_mmcv.sh', sys.executable,
         str(wheel_dir)],
        cwd=ROOT,
        env=dict(os.environ, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300)
    return proc.returncode, proc.stdout


def write_wheel(folder, version):
    """A minimal valid wheel of a pure-Python package named mmcv."""
    info = f'mmcv-{version}.dist-info'
    path = folder / f'mmcv-{version}-py3-none-any.whl'
    with zipfile.ZipFile(path, 'w') as whl:
        whl.writestr(
            f'{info}/METADATA', 'Metadata-Version: 2.1\nName: mmcv\n'
            f'Version: {version}\n')
        whl.writestr(
            f'{info}/WHEEL', 'Wheel-Version: 1.0\nGenerator: test\n'
            'Root-Is-Purelib: true\nTag: py3-none-any\n')
        whl.writestr(f'{info}/RECORD', '')
    return path


def test_prebuilt_wheel_from_the_index_is_used(tmp_path):
    index = tmp_path / 'index'
    index.mkdir()
    write_wheel(index, '2.0.1')
    wanted = write_wheel(index, '2.1.0')
    code, out = build_mmcv(
        tmp_path / 'wheels', MMCV_WHEEL_INDEX=str(index), MMCV_VERSION='2.1.0')
    assert code == 0, out
    assert f"using OpenMMLab's prebuilt wheel from {index}" in out
    assert 'compiling' not in out
    assert os.listdir(tmp_path / 'wheels') == [wanted.name]
    assert (tmp_path / 'wheels' / wanted.name).read_bytes() == \
        wanted.read_bytes()


def test_without_a_prebuilt_wheel_it_compiles_and_reports_failure(tmp_path):
    # the cached source: a setup.py that fails at once
    sdist = tmp_path / 'cache' / 'sdist' / 'mmcv-2.1.0.tar.gz'
    sdist.parent.mkdir(parents=True)
    setup = b'raise SystemExit("stand-in mmcv source: no build")\n'
    with tarfile.open(sdist, 'w:gz') as tar:
        member = tarfile.TarInfo('mmcv-2.1.0/setup.py')
        member.size = len(setup)
        tar.addfile(member, io.BytesIO(setup))
    empty_index = tmp_path / 'index'
    empty_index.mkdir()
    wheel_dir = tmp_path / 'wheels'
    code, out = build_mmcv(
        wheel_dir,
        MMCV_WHEEL_INDEX=str(empty_index),
        MMDLKD_CACHE=str(tmp_path / 'cache'),
        MMCV_PCH='0')
    assert code == 1, out
    assert f'no prebuilt mmcv 2.1.0 wheel for this torch at {empty_index}' \
        in out
    assert 'compiling mmcv 2.1.0 with its ops' in out
    assert 'stand-in mmcv source: no build' in out
    assert f'mmcv build failed; full log: {wheel_dir}.log' in out
    assert not wheel_dir.exists()
