"""Shared fixtures: a small toy-scenes dataset and free ports for distributed runs."""
import os
import os.path as osp
import socket
import sys

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

import gss  # noqa: E402,F401  (patches first, as every entry point does)
from mmengine.registry import init_default_scope  # noqa: E402

# Registry names in tests resolve as they do in the configs (default_scope='mmseg').
init_default_scope('mmseg')


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def toy_data_root(tmp_path_factory) -> str:
    """24 train and 8 val toy scenes, generated once per test session."""
    from gss.datasets.toy_scenes_generator import generate_toy_scenes

    root = str(tmp_path_factory.mktemp('toy_scenes'))
    generate_toy_scenes(root, seed=0, train_size=24, val_size=8)
    return root


def find_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    return find_free_port()


@pytest.fixture
def cpu_env() -> dict:
    """Environment for tool subprocesses: CPU only, repo importable, unbuffered output."""
    env = dict(os.environ)
    env['CUDA_VISIBLE_DEVICES'] = ''
    env['PYTHONUNBUFFERED'] = '1'
    env['PYTHONPATH'] = REPO_ROOT + os.pathsep + env.get('PYTHONPATH', '')
    return env
