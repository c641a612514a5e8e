"""The user commands end to end on CPU: dist_train.sh / dist_test.sh with 2 processes,
--eval, resume after a kill, and the tools' error messages."""
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT, find_free_port

# Every test here starts tool processes (see tests/conftest.py: -m 'not slow').
pytestmark = pytest.mark.slow

CONFIG = osp.join(REPO_ROOT, 'configs/baseline/upernet_effnet-lite0_1k_toy-128x128.py')
SMALL_RUN = [
    'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
    'val_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
    'test_dataloader.persistent_workers=False', 'default_hooks.logger.interval=1',
    'default_hooks.visualization.draw=False'
]


def _run(args, env, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _dist_train(work_dir, data_root, env, iters, *extra, interval=None):
    options = SMALL_RUN + [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
                           f'default_hooks.checkpoint.interval={interval or iters}']
    return ['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', str(work_dir),
            '--data-root', data_root, *extra, '--cfg-options', *options]


@pytest.fixture(scope='module')
def two_process_run(tmp_path_factory, toy_data_root):
    """A 2-process CPU training run of the baseline, 6 iterations."""
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', PORT=str(find_free_port()))
    work_dir = tmp_path_factory.mktemp('dist_train')
    result = _run(_dist_train(work_dir, toy_data_root, env, 6), env)
    return work_dir, result, env


def test_dist_train_two_cpu_processes_writes_checkpoint(two_process_run):
    work_dir, result, _ = two_process_run
    assert result.returncode == 0, result.stderr[-3000:]
    assert osp.isfile(work_dir / 'iter_6.pth')
    log = result.stdout + result.stderr
    assert 'Distributed launcher: pytorch' in log or "'world_size': 2" in log or \
        'World size: 2' in log
    assert re.search(r'Iter\(train\) \[6/6\]', log)


def test_cpu_run_logs_no_gpu_and_the_gloo_backend(two_process_run):
    _, result, _ = two_process_run
    log = result.stdout + result.stderr
    assert 'GPU number: 0\n' in log and 'Processes: 2\n' in log
    assert "dist_cfg: {'backend': 'gloo'}" in log  # the runtime block
    assert "dist_cfg=dict(backend='gloo')" in log  # the config


def test_dist_test_prints_miou(two_process_run, toy_data_root, tmp_path):
    work_dir, _, env = two_process_run
    env = dict(env, PORT=str(find_free_port()))
    result = _run(['bash', 'tools/dist_test.sh', CONFIG, str(work_dir / 'iter_6.pth'), '2',
                   '--eval', 'mIoU', 'mDice', '--data-root', toy_data_root, '--work-dir',
                   str(tmp_path), '--cfg-options', *SMALL_RUN], env)
    assert result.returncode == 0, result.stderr[-3000:]
    match = re.search(r'mIoU: ([\d.]+).*mDice: ([\d.]+)', result.stdout + result.stderr)
    assert match, (result.stdout + result.stderr)[-2000:]
    assert 0.0 <= float(match.group(1)) <= 100.0


def _kill_run(launcher: subprocess.Popen, work_dir: str) -> None:
    """SIGKILL a launcher and its workers, as a crash would (torchrun starts workers in
    sessions of their own, so killing the launcher's process group does not reach them)."""
    os.killpg(launcher.pid, signal.SIGKILL)
    launcher.wait()
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                if work_dir.encode() in f.read():
                    os.kill(int(pid), signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass


def _last_checkpoint_iter(work_dir) -> int:
    try:
        last = open(work_dir / 'last_checkpoint').read().strip()
    except FileNotFoundError:
        return 0
    match = re.search(r'iter_(\d+)\.pth', last)
    return int(match.group(1)) if match else 0


def test_killed_run_resumes_from_last_checkpoint(tmp_path, toy_data_root):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', PORT=str(find_free_port()))
    args = _dist_train(tmp_path, toy_data_root, env, 200, interval=2)
    proc = subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 240
        while _last_checkpoint_iter(tmp_path) < 4 and time.time() < deadline:
            time.sleep(0.2)
    finally:
        _kill_run(proc, str(tmp_path))
    resumed_iter = _last_checkpoint_iter(tmp_path)
    assert 4 <= resumed_iter < 200, 'training never reached iteration 4'

    target = resumed_iter + 2
    env['PORT'] = str(find_free_port())
    result = _run(_dist_train(tmp_path, toy_data_root, env, target, '--resume', interval=2), env)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert f'resumed epoch: 0, iter: {resumed_iter}' in log, log[-3000:]
    first_iter = int(re.search(r'Iter\(train\) \[\s*(\d+)/', log).group(1))
    assert first_iter == resumed_iter + 1
    assert osp.isfile(tmp_path / f'iter_{target}.pth')


def test_test_tool_rejects_unknown_metric_listing_supported(two_process_run):
    work_dir, _, env = two_process_run
    result = _run([sys.executable, 'tools/test.py', CONFIG, str(work_dir / 'iter_6.pth'),
                   '--eval', 'bbox'], env)
    assert result.returncode != 0
    assert 'bbox' in result.stderr and 'mIoU, mDice, mFscore, mBIoU, ECE, NLL' in result.stderr


def test_test_tool_reports_miou_mbiou_ece_in_one_pass(two_process_run, toy_data_root, tmp_path):
    work_dir, _, env = two_process_run
    result = _run([sys.executable, 'tools/test.py', CONFIG, str(work_dir / 'iter_6.pth'),
                   '--eval', 'mIoU', 'mBIoU', 'ECE', '--data-root', toy_data_root,
                   '--work-dir', str(tmp_path), '--cfg-options', *SMALL_RUN], env)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert len(re.findall(r'Iter\(test\) \[1/8\]', log)) == 1  # one pass over the 8 images
    match = re.search(r'mIoU: ([\d.]+).*mBIoU: ([\d.]+)\s+ECE: ([\d.]+)', log)
    assert match, log[-2000:]
    miou, mbiou, ece = map(float, match.groups())
    assert 0 <= mbiou <= 100 and 0 <= ece <= 100 and 'NLL' not in match.group(0)
    assert 'per class boundary IoU' in log and 'reliability (15 bins)' in log


def test_test_tool_out_needs_the_iou_evaluator(two_process_run, toy_data_root, tmp_path):
    work_dir, _, env = two_process_run
    result = _run([sys.executable, 'tools/test.py', CONFIG, str(work_dir / 'iter_6.pth'),
                   '--eval', 'mBIoU', '--out', str(tmp_path / 'out'), '--data-root',
                   toy_data_root, '--work-dir', str(tmp_path)], env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        'test.py: --out: the predicted label maps are written by IoUMetric; add mIoU to --eval')


def test_torch_distributed_launch_local_rank_option_is_accepted(tmp_path, cpu_env):
    """python -m torch.distributed.launch (without --use-env) adds --local-rank=N to the tool's
    arguments; the tool gets as far as its data check instead of refusing the option."""
    result = _run([sys.executable, '-m', 'torch.distributed.launch', '--nproc_per_node=1',
                   f'--master_port={find_free_port()}', 'tools/train.py', CONFIG,
                   '--launcher', 'pytorch', '--work-dir', str(tmp_path),
                   '--data-root', str(tmp_path / 'absent')], cpu_env)
    assert result.returncode != 0
    assert 'unrecognized arguments' not in result.stderr
    assert f"train.py: train_dataloader: data folder not found: {tmp_path / 'absent'}" \
        in result.stderr


def test_train_tool_missing_data_is_one_line(tmp_path, cpu_env):
    result = _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(tmp_path),
                   '--data-root', str(tmp_path / 'absent')], cpu_env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert str(tmp_path / 'absent' / 'img_dir' / 'train') in last_line
    assert 'generate_toy_dataset.py' in last_line
    assert not os.listdir(tmp_path)  # nothing was written before the check
