"""slurm_train.sh / slurm_test.sh through local stand-ins for srun and scontrol: 2 CPU tasks
train the baseline for a few iterations and evaluate it."""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, find_free_port
from tests.test_tools import CONFIG, SMALL_RUN

# Every test here starts tool processes (see tests/conftest.py: -m 'not slow').
pytestmark = pytest.mark.slow

STAND_IN = osp.join(REPO_ROOT, 'tests', 'slurm_stand_in')


def _env(tmp_path):
    return dict(os.environ, CUDA_VISIBLE_DEVICES='', PATH=STAND_IN + os.pathsep +
                os.environ['PATH'], MASTER_PORT=str(find_free_port()), GPUS='2', GRES='',
                CPUS_PER_TASK='1', SRUN_STAND_IN_LOG=str(tmp_path / 'srun.log'),
                PYTHONUNBUFFERED='1')


def _run(args, env):
    return subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=400)


@pytest.fixture(scope='module')
def slurm_run(tmp_path_factory, toy_data_root):
    tmp = tmp_path_factory.mktemp('slurm')
    env = _env(tmp)
    work_dir = tmp / 'work'
    result = _run(['bash', 'tools/slurm_train.sh', 'cpu', 'gss-test', CONFIG, str(work_dir),
                   '--data-root', toy_data_root, '--cfg-options', *SMALL_RUN,
                   'train_cfg.max_iters=4', 'train_cfg.val_interval=4',
                   'default_hooks.checkpoint.interval=4'], env)
    return tmp, work_dir, result


def test_slurm_train_runs_two_cpu_tasks(slurm_run):
    tmp, work_dir, result = slurm_run
    assert result.returncode == 0, result.stderr[-3000:]
    assert osp.isfile(work_dir / 'iter_4.pth')
    srun_args = (tmp / 'srun.log').read_text()
    assert '-p cpu --job-name=gss-test --ntasks=2 --ntasks-per-node=2' in srun_args
    assert '--gres' not in srun_args and '--launcher slurm' in srun_args
    assert 'Distributed launcher: slurm' in result.stdout + result.stderr
    assert 'Processes: 2' in result.stdout + result.stderr  # the world size, not GPUs


def test_slurm_test_prints_miou(slurm_run, toy_data_root):
    tmp, work_dir, _ = slurm_run
    env = _env(tmp)
    result = _run(['bash', 'tools/slurm_test.sh', 'cpu', 'gss-test', CONFIG,
                   str(work_dir / 'iter_4.pth'), '--eval', 'mIoU', '--data-root',
                   toy_data_root, '--work-dir', str(tmp / 'test'), '--cfg-options', *SMALL_RUN],
                  env)
    assert result.returncode == 0, result.stderr[-3000:]
    match = re.search(r'mIoU: ([\d.]+)', result.stdout + result.stderr)
    assert match and 0 <= float(match.group(1)) <= 100


def test_slurm_launcher_outside_srun_is_a_clear_error(toy_data_root, tmp_path):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='')
    for name in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'):
        env.pop(name, None)
    result = _run([sys.executable, 'tools/train.py', CONFIG, '--launcher', 'slurm',
                   '--data-root', toy_data_root, '--work-dir', str(tmp_path)], env)
    assert result.returncode != 0
    assert 'needs the Slurm task variables SLURM_PROCID, SLURM_NTASKS, SLURM_NODELIST' in \
        result.stderr
