"""GSS-FF and GSS-FT-W through the user commands on CPU: dist_train.sh (2 processes), resume,
dist_test.sh --eval mIoU, FT-W from the FF checkpoint, merge_checkpoints.py, the demo."""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

from gss.maskige.vqvae import MaskigeVQVAE
from tests.conftest import REPO_ROOT, find_free_port
from tests.test_tools import SMALL_RUN

# Every test here starts tool processes (see tests/conftest.py: -m 'not slow').
pytestmark = pytest.mark.slow

FF = 'configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py'
FTW = 'configs/gss/toy/gss-ftw_effnet-lite0_1k-300_toy-128x128.py'


def _run(args, env, timeout=400):
    return subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope='module')
def setup(tmp_path_factory, toy_data_root):
    tmp = tmp_path_factory.mktemp('gss_tools')
    torch.manual_seed(0)
    vqvae = str(tmp / 'vqvae.pth')
    torch.save(MaskigeVQVAE(hidden_channels=16, num_blocks=1, fsq_levels=(4, 4, 4))
               .checkpoint_dict(), vqvae)
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', PYTHONUNBUFFERED='1')
    options = SMALL_RUN + ['train_dataloader.batch_size=2',
                           f'model.decode_head.vqvae.checkpoint={vqvae}']
    return tmp, env, options, toy_data_root


def _train(config, work_dir, iters, setup, *extra, processes=None):
    tmp, env, options, data_root = setup
    base = ['bash', 'tools/dist_train.sh', config, str(processes)] if processes else \
        [sys.executable, 'tools/train.py', config]
    env = dict(env, PORT=str(find_free_port()))
    return _run(base + ['--work-dir', str(work_dir), '--data-root', data_root, *extra,
                        '--cfg-options', *options, f'train_cfg.max_iters={iters}',
                        f'train_cfg.val_interval={iters}', 'default_hooks.checkpoint.interval=2'],
                env)


@pytest.fixture(scope='module')
def ff_run(setup):
    work_dir = setup[0] / 'ff'
    result = _train(FF, work_dir, 4, setup, processes=2)
    assert result.returncode == 0, result.stderr[-3000:]
    return work_dir, result


def test_ff_trains_on_two_processes_and_logs_token_accuracy(ff_run):
    work_dir, result = ff_run
    assert osp.isfile(work_dir / 'iter_4.pth')
    log = result.stdout + result.stderr
    assert re.search(r'Iter\(train\) \[4/4\].*loss_token.*acc_token.*loss_pixel', log)
    assert 'mIoU' in log  # validation ran


def test_ff_resumes_from_its_last_checkpoint(ff_run, setup):
    work_dir, _ = ff_run
    result = _train(FF, work_dir, 6, setup, '--resume')
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert 'resumed' in log.lower() and re.search(r'Iter\(train\) \[5/6\]', log)


def test_ff_dist_test_prints_miou(ff_run, setup):
    work_dir, _ = ff_run
    tmp, env, options, data_root = setup
    result = _run(['bash', 'tools/dist_test.sh', FF, str(work_dir / 'iter_4.pth'), '2',
                   '--eval', 'mIoU', '--data-root', data_root, '--work-dir', str(tmp / 't'),
                   '--cfg-options', *options], dict(env, PORT=str(find_free_port())))
    assert result.returncode == 0, result.stderr[-3000:]
    assert 0 <= float(re.findall(r'mIoU: ([\d.]+)', result.stdout + result.stderr)[-1]) <= 100


@pytest.fixture(scope='module')
def ftw_run(ff_run, setup):
    work_dir, _ = ff_run
    ftw_dir = setup[0] / 'ftw'
    result = _train(FTW, ftw_dir, 2, setup, '--load-from', str(work_dir / 'iter_4.pth'))
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'loss_inverse' in result.stdout + result.stderr
    return ftw_dir


def test_ftw_resumes_its_own_run_not_the_ff_checkpoint(ff_run, ftw_run, setup, tmp_path):
    work_dir, _ = ff_run
    resumed = tmp_path / 'ftw'
    resumed.mkdir()
    for name in ('iter_2.pth', 'last_checkpoint'):
        text = (ftw_run / name).read_bytes()
        (resumed / name).write_bytes(text.replace(str(ftw_run).encode(), str(resumed).encode())
                                     if name == 'last_checkpoint' else text)
    result = _train(FTW, resumed, 4, setup, '--load-from', str(work_dir / 'iter_4.pth'),
                    '--resume')
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert f'Load checkpoint from {resumed}/iter_2.pth' in log
    assert re.search(r'Iter\(train\) \[3/4\]', log)


def test_ftw_from_ff_then_merge_then_test(ff_run, ftw_run, setup):
    work_dir, _ = ff_run
    tmp, env, options, data_root = setup
    ftw_dir = ftw_run
    merged = tmp / 'merged.pth'
    result = _run([sys.executable, 'tools/merge_checkpoints.py', str(work_dir / 'iter_4.pth'),
                   str(ftw_dir / 'iter_2.pth'), str(merged)], env)
    assert result.returncode == 0, result.stderr[-3000:]
    state = torch.load(merged, weights_only=True)['state_dict']
    ftw_state = torch.load(ftw_dir / 'iter_2.pth', weights_only=True)['state_dict']
    assert set(state) == set(ftw_state)
    assert torch.equal(state['decode_head.learned_inverse.classifier.weight'],
                       ftw_state['decode_head.learned_inverse.classifier.weight'])
    result = _run([sys.executable, 'tools/test.py', FTW, str(merged), '--eval', 'mIoU',
                   '--data-root', data_root, '--work-dir', str(tmp / 'tm'), '--cfg-options',
                   *options], env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r'mIoU: [\d.]+', result.stdout + result.stderr)
    swapped = _run([sys.executable, 'tools/merge_checkpoints.py', str(ftw_dir / 'iter_2.pth'),
                    str(work_dir / 'iter_4.pth'), str(tmp / 'bad.pth')], env)
    assert swapped.returncode != 0 and 'not a GSS-FT-W checkpoint' in swapped.stderr
    assert not osp.exists(tmp / 'bad.pth')


def test_ftw_without_its_ff_checkpoint_is_one_clear_line(setup, tmp_path):
    result = _train(FTW, tmp_path / 'w', 2, setup, '--load-from', str(tmp_path / 'none.pth'))
    assert result.returncode != 0
    assert 'weights not found: ' + str(tmp_path / 'none.pth') in result.stderr.splitlines()[-1]


def test_demo_writes_overlay_and_maskige(ff_run, setup):
    work_dir, _ = ff_run
    tmp, env, options, data_root = setup
    image = sorted(os.listdir(osp.join(data_root, 'img_dir', 'val')))[0]
    out, maskige = tmp / 'out.png', tmp / 'maskige.png'
    result = _run([sys.executable, 'demo/image_demo.py', osp.join(data_root, 'img_dir', 'val',
                   image), FF, str(work_dir / 'iter_4.pth'), '--out-file', str(out),
                   '--maskige-file', str(maskige), '--device', 'cpu', '--cfg-options',
                   options[-1]], env)
    assert result.returncode == 0, result.stderr[-3000:]
    import cv2
    assert cv2.imread(str(out)).shape[:2] == (128, 128)
    assert cv2.imread(str(maskige)).shape[:2] == (256, 256)


def test_missing_backbone_weights_are_named_before_training(setup, tmp_path):
    from mmengine.config import Config

    from gss.engine import check_weight_files

    config = 'configs/gss/cityscapes/gss-ff_r101-d8_80k_cityscapes-768x768.py'
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    with pytest.raises(FileNotFoundError, match=rf'weights not found: {REPO_ROOT}/checkpoints/'
                       r'resnet101_v1c.pth \(config key model.backbone.init_cfg.checkpoint\).*'
                       r'--cfg-options model.backbone.init_cfg=None'):
        check_weight_files(cfg)
    cfg.model.backbone.init_cfg = None
    cfg.load_from = None
    check_weight_files(cfg)  # nothing else is needed before training
