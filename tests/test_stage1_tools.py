"""The stage-1 command-line tools: test.py/dist_test.sh with no checkpoint, the pictures, and
the VQ-VAE trainer."""
import json
import re
import subprocess
import sys

import cv2
import pytest
import torch

from gss.maskige.vqvae import MaskigeVQVAE

# Every test here starts tool processes (see tests/conftest.py: -m 'not slow').
pytestmark = pytest.mark.slow

CONFIG = 'configs/gss/toy/reconstruction_maskige-vqvae_toy-128x128.py'


def _run(args, env, repo_root, timeout=300):
    return subprocess.run(args, cwd=repo_root, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope='module')
def random_vqvae(tmp_path_factory):
    torch.manual_seed(0)
    path = str(tmp_path_factory.mktemp('vq') / 'vqvae.pth')
    model = MaskigeVQVAE(hidden_channels=16, num_blocks=1, fsq_levels=(4, 4, 4), frozen=False)
    torch.save(model.checkpoint_dict(), path)
    return path


def _miou(output: str) -> float:
    return float(re.findall(r'mIoU: ([\d.]+)', output)[-1])


def test_reconstruction_evaluates_without_checkpoint_on_one_and_two_processes(
        random_vqvae, toy_data_root, cpu_env, repo_root, free_port):
    options = ['--data-root', toy_data_root, '--cfg-options',
               f'model.vqvae.checkpoint={random_vqvae}']
    single = _run([sys.executable, 'tools/test.py', CONFIG, 'none', '--eval', 'mIoU'] + options,
                  cpu_env, repo_root)
    assert single.returncode == 0, single.stderr[-2000:]
    env = dict(cpu_env, PORT=str(free_port))
    double = _run(['bash', 'tools/dist_test.sh', CONFIG, 'none', '2', '--eval', 'mIoU'] + options,
                  env, repo_root)
    assert double.returncode == 0, double.stderr[-2000:]
    assert 0 <= _miou(single.stdout + single.stderr) <= 100
    assert _miou(double.stdout + double.stderr) == _miou(single.stdout + single.stderr)


def test_missing_vqvae_checkpoint_is_one_clear_line(toy_data_root, cpu_env, repo_root):
    result = _run([sys.executable, 'tools/test.py', CONFIG, 'none', '--data-root',
                   toy_data_root, '--cfg-options', 'model.vqvae.checkpoint=absent/vq.pth'],
                  cpu_env, repo_root)
    assert result.returncode != 0
    assert 'absent/vq.pth: MaskigeVQVAE checkpoint not found' in result.stderr.splitlines()[-1]


def test_pictures_have_five_panels(random_vqvae, toy_data_root, cpu_env, repo_root, tmp_path):
    result = _run([sys.executable, 'tools/visualize_maskige.py', CONFIG, '--num', '2',
                   '--out-dir', str(tmp_path), '--data-root', toy_data_root, '--cfg-options',
                   f'model.vqvae.checkpoint={random_vqvae}'], cpu_env, repo_root)
    assert result.returncode == 0, result.stderr[-2000:]
    pictures = sorted(tmp_path.glob('*.png'))
    assert len(pictures) == 2
    image = cv2.imread(str(pictures[0]))
    assert image.shape[1] == 5 * 128 + 4 * 4 and image.shape[0] > 128


def test_trainer_learns_saves_and_refuses_to_overwrite(toy_data_root, cpu_env, repo_root,
                                                       tmp_path):
    out = tmp_path / 'vq.pth'
    palette = 'configs/_base_/palettes/toy_7.json'
    args = [sys.executable, 'tools/train_maskige_vqvae.py', '--out', str(out), '--source',
            f'{toy_data_root}/ann_dir/train', palette, '--procedural', palette, '0.5',
            '--eval', 'toy', f'{toy_data_root}/ann_dir/val', palette, '--steps', '60',
            '--batch-size', '4', '--crop', '32', '--hidden-channels', '32', '--num-blocks', '1',
            '--checkpoint-every', '30', '--eval-images', '2']
    result = _run(args, cpu_env, repo_root)
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'step 30: stage-1 mIoU on 2 label maps of toy' in result.stdout
    log = json.loads((tmp_path / 'vq.log.json').read_text())
    losses = [entry['loss'] for entry in log['history']]
    assert losses[-1] < losses[0]
    assert 0 <= log['evaluation']['toy']['miou'] <= 100
    model = MaskigeVQVAE(checkpoint=str(out))
    assert model.arch['hidden_channels'] == 32
    again = _run(args, cpu_env, repo_root)
    assert again.returncode != 0 and 'exists; pass --overwrite' in again.stderr
    assert MaskigeVQVAE(checkpoint=str(out)).arch == model.arch  # untouched


@pytest.mark.parametrize('option, message', [
    (['--scale-range', '2', '1'], '--scale-range: need 0 < LOW <= HIGH, got 2.0 1.0'),
    (['--procedural-objects', '-1'], '--procedural-objects: need N >= 0, got -1'),
    (['--eval', 'held_out', 'nowhere/0006R0_*.png', 'configs/_base_/palettes/toy_7.json'],
     'nowhere/0006R0_*.png: --eval held_out: no label maps there'),
])
def test_trainer_refuses_bad_options_before_training(option, message, cpu_env, repo_root,
                                                     tmp_path):
    out = tmp_path / 'vq.pth'
    result = _run([sys.executable, 'tools/train_maskige_vqvae.py', '--out', str(out),
                   '--procedural', 'configs/_base_/palettes/toy_7.json', '--steps', '5']
                  + option, cpu_env, repo_root)
    assert result.returncode != 0 and message in result.stderr
    assert not out.exists()
