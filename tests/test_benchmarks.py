"""The benchmark scripts run and print their side-by-side figures (small sizes; the figures
themselves are in docs/, not asserted)."""
import subprocess
import sys

from tests.conftest import REPO_ROOT


def _run(args):
    return subprocess.run([sys.executable] + args, cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300, check=True).stdout


def test_x_inverse_benchmark_checks_equality_and_prints_ratios():
    out = _run(['tools/benchmarks/x_inverse.py', '--batch', '1', '--classes', '19', '--size',
                '128', '--repeats', '1'])
    agree = float(out.split('same labels as brute force: ')[1].split(' %')[0])
    assert agree >= 99.99 and 'x faster' in out and 'less peak memory' in out


def test_vqvae_speed_benchmark():
    out = _run(['tools/benchmarks/vqvae_speed.py', '--checkpoint',
                'checkpoints/maskige_vqvae_toy.pth', '--size', '64', '--repeats', '1'])
    assert 'MaskigeVQVAE' in out and 'encode s' in out


def test_train_speed_benchmark_compares_configs():
    out = _run(['tools/benchmarks/train_speed.py',
                'configs/baseline/upernet_effnet-lite0_1k_toy-128x128.py',
                'configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py', '--batch', '2',
                '--iters', '1'])
    lines = out.strip().splitlines()
    assert lines[-2].startswith('upernet_effnet-lite0_1k_toy-128x128')
    assert lines[-1].startswith('gss-ff_effnet-lite0_1k_toy-128x128')
    assert float(lines[-2].split()[2]) == 1.0
