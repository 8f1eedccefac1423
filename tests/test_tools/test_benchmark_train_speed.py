"""tools/analysis/benchmark_train_speed.py on the tiny digits config."""
import json

from train_utils import load_tool

bench = load_tool('analysis/benchmark_train_speed.py', 'benchmark_train_speed')


def test_variants_and_logged_times(tmp_path):
    assert bench.parse_variant('after=a=1,b.c=x') == ('after',
                                                      ['a=1', 'b.c=x'])
    assert bench.parse_variant('plain=') == ('plain', [])
    log = tmp_path / 'r' / '2026' / 'vis_data'
    log.mkdir(parents=True)
    lines = [
        dict(lr=0.1, time=0.5, iter=20),
        dict(lr=0.1, time=0.25, iter=10),
        dict(accuracy=1.0, step=20)
    ]
    (log / 'scalars.json').write_text('\n'.join(map(json.dumps, lines)))
    assert bench.iteration_times(str(tmp_path / 'r')) == [0.25, 0.5]


def test_two_variants_train_back_to_back(digits_root, tmp_path):
    out = tmp_path / 'speeds.json'
    speeds = bench.main([
        'tests/data/configs/tiny_resnet_digits.py', '--variant', 'plain=',
        '--variant', 'nohooks=custom_hooks=[]', '--cfg-options',
        f'train_dataloader.dataset.data_root={digits_root}', '--iters', '6',
        '--log-interval', '2', '--skip', '1', '--batch-size', '8', '--rounds',
        '1', '--out',
        str(out)
    ])
    assert set(speeds) == {'plain', 'nohooks'}
    assert all(len(v) == 1 and v[0] > 0 for v in speeds.values())
    assert json.loads(out.read_text()) == speeds
