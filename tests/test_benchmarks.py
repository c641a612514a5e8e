"""The benchmark scripts run and print their side-by-side figures (small sizes; the figures
themselves are in docs/, not asserted)."""
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

# Every test here starts tool processes (see tests/conftest.py: -m 'not slow').
pytestmark = pytest.mark.slow


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
                '--iters', '1', '--max-step-ratio', '1000', '--min-test-ratio', '1000'])
    lines = out.strip().splitlines()
    assert lines[-3].startswith('upernet_effnet-lite0_1k_toy-128x128')
    assert lines[-2].startswith('gss-ff_effnet-lite0_1k_toy-128x128')
    reference, gss_ff = lines[-3].split(), lines[-2].split()
    assert float(reference[2]) == 1.0 and float(reference[4]) == 1.0  # step and test ratios
    assert float(gss_ff[3]) > 0
    # No step is 1000x the baseline's; every test throughput is below 1000x: one miss.
    assert lines[-1] == ('targets: missed: gss-ff_effnet-lite0_1k_toy-128x128: test throughput '
                         f'{float(gss_ff[4]):.2f}x < 1000.0x')


def test_paper_scale_benchmark_runs_reduced_on_a_cpu():
    """The paper configs (R101 Cityscapes here) at a 32x32 crop with a narrow dVAE: the table
    has every model with its ratio to the discriminative one, and the encoder comparison."""
    out = _run(['tools/benchmarks/paper_scale.py', '--models', 'gss-ff_r101_cityscapes',
                'gss-ftw_r101_cityscapes', 'deeplabv3plus_r101_cityscapes', '--scale', '0.04',
                '--dalle', 'tiny', '--steps', '1', '--amp', 'off'])
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(
        ('gss-', 'deeplabv3plus', 'fp32', 'bfloat16', 'float16'))}
    discriminative = rows['deeplabv3plus_r101_cityscapes']  # columns as the header says
    assert discriminative[2:4] == ['32x32', '2'] and discriminative[5] == '1.00'  # batch per GPU
    ff, ftw = rows['gss-ff_r101_cityscapes'], rows['gss-ftw_r101_cityscapes']
    assert float(ff[7]) > 0 and float(ff[9]) == 0  # GSS-FF encodes targets, decodes nothing
    assert float(ftw[7]) == 0 and float(ftw[9]) > 0  # GSS-FT-W decodes its maskiges
    assert float(ftw[10]) < 1 < float(ff[10])  # only X^-1 (under 1 M parameters) learns
    assert rows['fp32'][2] == '1.00' and 'bfloat16' in rows


def test_model_comparison_trains_evaluates_draws_and_does_not_retrain(toy_data_root, tmp_path):
    """compare_heads.py (camvid_cpu.py is the same with CamVid defaults) on the toy scenes,
    all five models, two iterations each, two trainings at a time."""
    import cv2
    import torch

    args = ['tools/benchmarks/compare_heads.py', '--dataset', 'toy', '--models', 'baseline',
            'gss-ff', 'gss-ftw', 'gmmseg', 'protoseg', '--iters', '2', '--pictures', '2',
            '--data-root', toy_data_root, '--work-dir', str(tmp_path / 'w'), '--export-dir',
            str(tmp_path / 'ckpt'), '--export-median']
    out = subprocess.run([sys.executable] + args + ['--jobs', '2'], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    report = (tmp_path / 'w' / 'results.md').read_text()
    for name in ('baseline', 'gss-ff', 'gss-ftw', 'gmmseg', 'protoseg', 'stage1'):
        row = next(line for line in report.splitlines() if line.startswith(f'| {name} |'))
        assert 0 <= float(row.split('|')[2]) <= 100
    assert 'Stage-1 ceiling of GSS' in report and report in out.stdout
    targets = [line for line in report.splitlines() if line.startswith('| GSS-')]
    assert len(targets) == 6 and all(line.endswith(' |') for line in targets)
    exported = sorted(p.name for p in (tmp_path / 'ckpt').iterdir())
    assert len(exported) == 5
    state = torch.load(tmp_path / 'ckpt' / 'gss-ftw_effnet-lite0_1k-300_toy-128x128.pth',
                       weights_only=True)
    assert all(torch.is_tensor(v) for v in state.values())
    assert state['decode_head.learned_inverse.classifier.weight'].dtype == torch.float16
    pictures = sorted((tmp_path / 'w' / 'pictures').iterdir())
    assert len(pictures) == 2
    # image, ground truth, five predictions, the maskige; 128 px each
    assert cv2.imread(str(pictures[0])).shape[1] == 8 * 128
    again = subprocess.run([sys.executable] + args, cwd=REPO_ROOT, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count('finished earlier') == 5 and 'Iter(train)' not in again.stdout
