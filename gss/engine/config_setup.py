"""Turn a config path and the tools' command-line options into a ready mmengine Config."""
from __future__ import annotations

import os
import os.path as osp
from typing import Optional, Sequence

import torch
from mmengine.config import Config

from gss.datasets.data_roots import check_data_roots, set_data_root

# The metrics of mmseg's IoUMetric; the original GSS tools spell them `--eval mIoU`.
SUPPORTED_EVAL_METRICS = ('mIoU', 'mDice', 'mFscore')


def prepare_config(config_path: str, work_dir: Optional[str] = None,
                   cfg_options: Optional[dict] = None, launcher: str = 'none',
                   data_root: Optional[str] = None, check_data: bool = True) -> Config:
    """Load ``config_path`` and apply the options every tool shares.

    Args:
        config_path: the config file.
        work_dir: output folder; default ``./work_dirs/<config name>``.
        cfg_options: ``--cfg-options`` overrides (dotted keys).
        launcher: 'none', 'pytorch', 'slurm' or 'mpi'.
        data_root: if given, replaces the data root of every dataloader's dataset.
        check_data: fail early, in one line, if a data folder is missing.
    """
    if not osp.isfile(config_path):
        raise FileNotFoundError(f'config file not found: {config_path}')
    cfg = Config.fromfile(config_path)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if data_root is not None:
        set_data_root(cfg, data_root)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])
    if check_data:
        check_data_roots(cfg)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = '0'
    return cfg


def check_eval_metrics(metrics: Sequence[str]) -> None:
    """Reject ``--eval`` names IoUMetric does not compute, listing the supported ones."""
    unknown = [m for m in metrics if m not in SUPPORTED_EVAL_METRICS]
    if unknown:
        raise ValueError(f'--eval: unsupported metric(s) {", ".join(unknown)}; '
                         f'supported: {", ".join(SUPPORTED_EVAL_METRICS)}')


def set_eval_metrics(cfg: Config, metrics: Sequence[str]) -> None:
    """Make the IoU evaluator(s) of ``cfg`` report ``metrics`` (``--eval mIoU mDice``)."""
    check_eval_metrics(metrics)
    evaluators = cfg.test_evaluator
    for evaluator in evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]:
        if evaluator.get('type') == 'IoUMetric':
            evaluator['iou_metrics'] = list(metrics)


def use_amp(cfg: Config) -> None:
    """Switch the optimizer wrapper to mixed precision (``--amp``); needs a GPU."""
    if not torch.cuda.is_available():
        raise RuntimeError('--amp needs a CUDA GPU (mmengine has no CPU AMP optimizer '
                           'wrapper); drop --amp to train in fp32 on this machine.')
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper == 'AmpOptimWrapper':
        return
    if wrapper != 'OptimWrapper':
        raise ValueError(f'--amp only works with optim_wrapper type OptimWrapper, got {wrapper}')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def close_distributed() -> None:
    """Shut down the process group, if any, before the tool exits: gloo's background threads
    still alive at interpreter exit intermittently abort the process ("terminate called without
    an active exception") after the work is done."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
