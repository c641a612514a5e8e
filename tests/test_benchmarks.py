"""The benchmark scripts run and print their side-by-side figures (small sizes; the figures
themselves are in docs/, not asserted)."""
import os
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
    all five models, two iterations each."""
    import cv2
    import torch

    args = ['tools/benchmarks/compare_heads.py', '--dataset', 'toy', '--models', 'baseline',
            'gss-ff', 'gss-ftw', 'gmmseg', 'protoseg', '--iters', '2', '--pictures', '2',
            '--data-root', toy_data_root, '--work-dir', str(tmp_path / 'w'), '--export-dir',
            str(tmp_path / 'ckpt')]
    out = subprocess.run([sys.executable] + args, cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=900)
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


def test_comparison_targets_say_met_or_by_how_much_they_are_missed(monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools', 'benchmarks'))
    from model_comparison import RunResult, format_targets

    def result(name, miou, step, test):
        return RunResult(name, '', '', miou, {}, step, test, 0.0, 'RSS', 0.0, 800, '', '')

    table = format_targets([result('baseline', 58.0, 0.50, 20.0),
                            result('gss-ff', 56.0, 0.60, 11.0),
                            result('gss-ftw', 57.5, 0.0, 0.0),
                            result('gmmseg', 55.0, 0.4, 30.0)])
    rows = {line.split(' | ')[0][2:]: line.split(' | ')[1:] for line in table.splitlines()[2:]}
    assert rows['GSS-FF mIoU >= 1.00x baseline'] == ['0.966x (56.00 vs 58.00)',
                                                     'missed by 2.00 mIoU |']
    assert rows['GSS-FF training step <= 1.3x baseline'] == ['1.20x', 'met |']
    assert rows['GSS-FF test throughput >= 0.5x baseline'] == ['0.55x', 'met |']
    assert rows['GSS-FF mIoU >= gmmseg'] == ['56.00 vs 55.00', 'met |']
    assert rows['GSS-FT-W >= GSS-FF + 1.0 mIoU'] == ['+1.50', 'met |']
    assert 'protoseg' not in table  # not run: no target row
    assert format_targets([result('baseline', 58.0, 0.5, 20.0)]) == ''


def test_comparison_curve_ranks_models_at_every_validation_and_finds_where_it_settles(
        monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools', 'benchmarks'))
    from model_comparison import RunResult, format_curve

    def result(name, curve):
        return RunResult(name, '', '', curve[-1][1], {}, 0.0, 0.0, 0.0, 'RSS', 0.0, 0, '', '',
                         val_curve=curve)

    table = format_curve([result('baseline', [[800, 50.0], [1600, 60.0], [2400, 62.0]]),
                          result('gss-ff', [[800, 52.0], [1600, 58.0], [2400, 61.5]]),
                          result('gmmseg', [[800, 40.0], [1600, 59.0]]),
                          result('protoseg', [[800, 45.0]])])  # one point: left out
    lines = table.splitlines()
    assert lines[0] == '| iteration | baseline | gss-ff | gmmseg | ranking |'
    assert lines[2] == '| 800 | 50.00 | 52.00 | 40.00 | gss-ff > baseline > gmmseg |'
    assert lines[3] == '| 1600 | 60.00 | 58.00 | 59.00 | baseline > gmmseg > gss-ff |'
    assert lines[4] == '| 2400 | 62.00 | 61.50 |  | baseline > gss-ff |'
    # 2400 lacks gmmseg, so the complete rankings are 800 and 1600, and they differ.
    assert lines[-1].startswith('Ranking unchanged from iteration 1600 to 1600 ')
    settled = format_curve([result('a', [[1, 1.0], [2, 3.0], [3, 3.0], [4, 5.0]]),
                            result('b', [[1, 2.0], [2, 2.0], [3, 4.0], [4, 4.0]])])
    assert settled.splitlines()[-1].startswith('Ranking unchanged from iteration 4 to 4 ')
    settled = format_curve([result('a', [[1, 1.0], [2, 3.0], [3, 4.5], [4, 5.0]]),
                            result('b', [[1, 2.0], [2, 2.0], [3, 4.0], [4, 4.0]])])
    assert settled.splitlines()[-1].startswith('Ranking unchanged from iteration 2 to 4 ')
    assert format_curve([result('a', [[1, 1.0], [2, 3.0]])]) == ''


def test_validation_curve_reads_every_session_of_a_resumed_run(monkeypatch, tmp_path):
    import json
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools', 'benchmarks'))
    from model_comparison import validation_curve

    def session(name, records):
        folder = tmp_path / name / 'vis_data'
        folder.mkdir(parents=True)
        (folder / 'scalars.json').write_text(''.join(json.dumps(r) + '\n' for r in records))

    session('20261201_080000', [{'loss': 1.0, 'step': 50}, {'mIoU': 40.0, 'step': 800},
                                {'mIoU': 50.0, 'step': 1600}])
    # resumed from iter_800.pth: the 1600 validation ran again
    session('20261201_090000', [{'mIoU': 51.0, 'step': 1600}, {'mIoU': 55.0, 'step': 2400}])
    assert validation_curve(str(tmp_path)) == [[800, 40.0], [1600, 51.0], [2400, 55.0]]


def test_camvid_comparison_selects_the_schedule_its_configs_and_work_dir(monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools', 'benchmarks'))
    from compare_heads import RUNS, parse_args

    args = parse_args(['--schedule', '4k'], dataset='camvid', work_dir_name='camvid_cpu')
    assert (args.schedule, args.work_dir) == ('4k', 'work_dirs/camvid_cpu_4k')
    assert parse_args([], dataset='camvid', work_dir_name='camvid_cpu').work_dir == \
        'work_dirs/camvid_cpu'
    for run in RUNS['camvid', '4k']:
        assert os.path.isfile(os.path.join(REPO_ROOT, run.config))
        assert ('_4k-1k_' if run.name == 'gss-ftw' else '_4k_') in run.config
    with pytest.raises(SystemExit):
        parse_args(['--schedule', '4k'], dataset='toy')
