"""tools/analysis/robustness.py end to end on the toy scenes: two checkpoints sharing the cached
corrupted images, the results file, a rerun that skips finished entries, a killed run that
resumes, and a fresh run that repeats the numbers exactly."""
import glob
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import pytest
import torch

from tests.conftest import REPO_ROOT

# Every test here starts tool processes (see setup.cfg: -m 'not slow').
pytestmark = pytest.mark.slow
pytest.importorskip('imagecorruptions')

CONFIG = osp.join(REPO_ROOT, 'configs/baseline/upernet_effnet-lite0_1k_toy-128x128.py')
TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'robustness.py')
QUICK = ['--cfg-options', 'test_dataloader.num_workers=0',
         'test_dataloader.persistent_workers=False']


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """Two random-weight checkpoints of the baseline (plain state dicts)."""
    from gss.apis import init_model

    folder = tmp_path_factory.mktemp('robustness_checkpoints')
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        model = init_model(CONFIG, None, 'cpu')
        paths.append(str(folder / f'random{seed}.pth'))
        torch.save(model.state_dict(), paths[-1])
    return paths


def _robustness(work_dir, toy_data_root, env, checkpoints, *extra):
    models = [CONFIG, checkpoints[0]]
    for checkpoint in checkpoints[1:]:
        models += ['--model', CONFIG, checkpoint]
    result = subprocess.run(
        [sys.executable, TOOL, *models, '--corruptions', 'gaussian_noise', '--severities', '3',
         '--limit', '4', '--data-root', toy_data_root, '--work-dir', str(work_dir), *extra,
         *QUICK], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout


def _entries(work_dir):
    with open(osp.join(work_dir, 'robustness.json')) as f:
        return json.load(f)['entries']


def _mious(entries):
    return {(osp.basename(e['checkpoint']), e['corruption'], e['severity']): e['mIoU']
            for e in entries}


@pytest.fixture(scope='module')
def first_run(tmp_path_factory, toy_data_root, checkpoints):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', PYTHONPATH=REPO_ROOT)
    work_dir = tmp_path_factory.mktemp('robustness_run')
    stdout = _robustness(work_dir, toy_data_root, env, checkpoints, '--plot',
                         str(work_dir / 'severity.png'))
    return work_dir, stdout, env


def test_every_model_gets_a_clean_and_a_corrupted_entry(first_run):
    work_dir, stdout, _ = first_run
    assert 'evaluated 4, skipped 0' in stdout
    assert sorted(_mious(_entries(work_dir))) == [
        ('random0.pth', 'clean', 0), ('random0.pth', 'gaussian_noise', 3),
        ('random1.pth', 'clean', 0), ('random1.pth', 'gaussian_noise', 3)]
    assert all(e['images'] == 4 for e in _entries(work_dir))
    assert osp.isfile(work_dir / 'severity.png')


def test_corrupted_images_are_made_once_for_both_checkpoints(first_run):
    work_dir, stdout, _ = first_run
    assert 'corrupted images written: 4 ' in stdout
    cached = glob.glob(str(work_dir / 'corrupted' / '*' / 'seed0' / 'gaussian_noise' / '3' /
                           '*.png'))
    assert sorted(map(osp.basename, cached)) == [f'val_{i:04d}.png' for i in range(4)]


def test_rpc_is_mpc_over_clean_miou(first_run):
    work_dir, stdout, _ = first_run
    with open(work_dir / 'robustness_summary.json') as f:
        models = json.load(f)['models']
    mious = _mious(_entries(work_dir))
    for name, summary in models.items():
        checkpoint = re.search(r'\((.*)\)', name).group(1)
        assert summary['P'] == mious[(checkpoint, 'clean', 0)]
        assert summary['mPC'] == mious[(checkpoint, 'gaussian_noise', 3)]
        assert summary['rPC'] == pytest.approx(summary['mPC'] / summary['P'])
        assert f'{name}: P {summary["P"]:.2f}  mPC {summary["mPC"]:.2f}' in stdout
    assert '| gaussian_noise |' in stdout


def test_a_rerun_skips_every_finished_entry(first_run, toy_data_root, checkpoints):
    work_dir, _, env = first_run
    before = (work_dir / 'robustness.json').read_bytes()
    stdout = _robustness(work_dir, toy_data_root, env, checkpoints)
    assert 'evaluated 0, skipped 4' in stdout and 'corrupted images written: 0 ' in stdout
    assert (work_dir / 'robustness.json').read_bytes() == before


def test_a_killed_run_redoes_only_the_missing_entry(first_run, toy_data_root, checkpoints,
                                                    tmp_path):
    work_dir, _, env = first_run
    shutil.copytree(work_dir, tmp_path / 'run', ignore=shutil.ignore_patterns('runs'))
    entries = _entries(work_dir)
    with open(tmp_path / 'run' / 'robustness.json', 'w') as f:
        json.dump({'entries': entries[:-1]}, f)  # as if killed during the last evaluation
    stdout = _robustness(tmp_path / 'run', toy_data_root, env, checkpoints)
    assert 'evaluated 1, skipped 3' in stdout
    assert _mious(_entries(tmp_path / 'run')) == _mious(entries)


def test_a_fresh_run_repeats_the_numbers_and_pixels_exactly(first_run, toy_data_root,
                                                            checkpoints, tmp_path):
    work_dir, _, env = first_run
    _robustness(tmp_path, toy_data_root, env, checkpoints[:1])
    fresh = _mious(_entries(tmp_path))
    assert fresh == {key: value for key, value in _mious(_entries(work_dir)).items()
                     if key[0] == 'random0.pth'}
    for path in glob.glob(str(work_dir / 'corrupted' / '**' / '*.png'), recursive=True):
        copy = osp.join(tmp_path, osp.relpath(path, work_dir))
        with open(path, 'rb') as a, open(copy, 'rb') as b:
            assert a.read() == b.read(), copy
