"""GMMSeg and ProtoSeg through the user commands on CPU: dist_train.sh (2 processes), resume,
dist_test.sh --eval mIoU, and test.py --anomaly-dir."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO_ROOT, find_free_port
from tests.test_tools import SMALL_RUN

# Every test here starts tool processes (see tests/conftest.py: -m 'not slow').
pytestmark = pytest.mark.slow

CONFIGS = dict(gmmseg='configs/gmmseg/gmmseg_effnet-lite0_1k_toy-128x128.py',
               protoseg='configs/protoseg/protoseg_effnet-lite0_1k_toy-128x128.py')
OPTIONS = SMALL_RUN + ['model.backbone.pretrained=False', 'default_hooks.checkpoint.interval=2']


def _run(args, timeout=400):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', PYTHONUNBUFFERED='1',
               PORT=str(find_free_port()))
    return subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _train(config, work_dir, iters, data_root, *extra, processes=None):
    base = ['bash', 'tools/dist_train.sh', config, str(processes)] if processes else \
        [sys.executable, 'tools/train.py', config]
    return _run(base + ['--work-dir', str(work_dir), '--data-root', data_root, *extra,
                        '--cfg-options', *OPTIONS, f'train_cfg.max_iters={iters}',
                        f'train_cfg.val_interval={iters}'])


@pytest.fixture(scope='module', params=sorted(CONFIGS))
def trained(request, tmp_path_factory, toy_data_root):
    work_dir = tmp_path_factory.mktemp(request.param)
    result = _train(CONFIGS[request.param], work_dir, 2, toy_data_root, processes=2)
    # stdout says how far the ranks got (the log), stderr how they ended.
    assert result.returncode == 0, result.stdout[-1500:] + result.stderr[-3000:]
    return request.param, work_dir, result.stdout + result.stderr


def test_trains_on_two_processes_with_its_losses(trained):
    name, work_dir, log = trained
    assert (work_dir / 'iter_2.pth').is_file()
    extra = 'loss_component' if name == 'gmmseg' else 'loss_ppc.*loss_ppd'
    assert re.search(r'Iter\(train\) \[2/2\].*loss_ce.*' + extra, log)


def test_resumes_and_dist_test_prints_miou(trained, toy_data_root, tmp_path):
    name, work_dir, _ = trained
    result = _train(CONFIGS[name], work_dir, 3, toy_data_root, '--resume')
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert 'resumed' in log.lower() and re.search(r'Iter\(train\) \[3/3\]', log)
    result = _run(['bash', 'tools/dist_test.sh', CONFIGS[name], str(work_dir / 'iter_3.pth'),
                   '2', '--eval', 'mIoU', '--data-root', toy_data_root, '--work-dir',
                   str(tmp_path), '--cfg-options', *OPTIONS])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 0 <= float(re.findall(r'mIoU: ([\d.]+)', result.stdout + result.stderr)[-1]) <= 100


def test_anomaly_dir_writes_one_score_map_per_image(trained, toy_data_root, tmp_path):
    name, work_dir, _ = trained
    out = tmp_path / 'anomaly'
    result = _run([sys.executable, 'tools/test.py', CONFIGS[name], str(work_dir / 'iter_2.pth'),
                   '--anomaly-dir', str(out), '--data-root', toy_data_root, '--work-dir',
                   str(tmp_path), '--cfg-options', *OPTIONS])
    if name == 'protoseg':
        assert result.returncode != 0
        assert '--anomaly-dir needs a GMMSeg config' in result.stderr.splitlines()[-1]
        return
    assert result.returncode == 0, result.stderr[-3000:]
    images = sorted(os.listdir(os.path.join(toy_data_root, 'img_dir', 'val')))
    written = sorted(os.listdir(out))
    assert written == [os.path.splitext(i)[0] + '.npy' for i in images]
    score = np.load(out / written[0])
    assert score.shape == (128, 128) and score.dtype == np.float32 and np.isfinite(score).all()
    assert re.search(r'mIoU: [\d.]+', result.stdout + result.stderr)  # still evaluated
