"""Turn a config path and the tools' command-line options into a ready mmengine Config."""
from __future__ import annotations

import argparse
import gc
import os
import os.path as osp
import sys
from typing import Any, Callable, Optional, Sequence, Tuple

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from gss.compat import compat_disabled, dist_backend_for_this_machine
from gss.datasets.data_roots import DATALOADER_KEYS, check_data_roots, set_data_root
from gss.errors import InputError, exit_on_input_error

# `--eval` names (the original GSS tools spell them `--eval mIoU`) -> the evaluator computing
# them; every evaluator asked for runs in the same pass over the test set (docs/evaluation.md).
EVAL_METRIC_EVALUATORS = {
    'mIoU': 'IoUMetric', 'mDice': 'IoUMetric', 'mFscore': 'IoUMetric',
    'mBIoU': 'BoundaryIoUMetric', 'ECE': 'CalibrationMetric', 'NLL': 'CalibrationMetric',
}
SUPPORTED_EVAL_METRICS = tuple(EVAL_METRIC_EVALUATORS)


class ConfigOptionsAction(DictAction):
    """``--cfg-options KEY=VALUE ...``: mmengine's DictAction, with one line for an item that
    is not ``KEY=VALUE`` instead of a traceback."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values, option_string: Optional[str] = None) -> None:
        for item in values or []:
            key, sep, _ = item.partition('=')
            if not sep or not key.strip():
                parser.exit(2, f'{parser.prog}: --cfg-options: {item!r} is not KEY=VALUE '
                               f'(e.g. train_cfg.max_iters=100)\n')
        super().__call__(parser, namespace, values, option_string)


def _lookup(cfg: Config, dotted_key: str) -> Tuple[bool, Any]:
    """(whether ``dotted_key`` exists in ``cfg``, its value); digits index lists."""
    node: Any = cfg
    for part in dotted_key.split('.'):
        if isinstance(node, (dict, Config)) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def apply_cfg_options(cfg: Config, options: Optional[dict]) -> None:
    """Merge ``--cfg-options`` into ``cfg``, refusing a value of the wrong kind (a word where
    the config has a number or a flag) and warning about keys the config does not have."""
    for key, value in (options or {}).items():
        found, old = _lookup(cfg, key)
        if not found:
            print(f'--cfg-options: {key} is not in the config; it is added (check the spelling '
                  f'if you meant to change an existing value)', file=sys.stderr)
            continue
        numeric = isinstance(old, (int, float)) and not isinstance(old, bool)
        if key.endswith('loss_scale') and value == 'dynamic':  # mmengine's AMP accepts both
            numeric = False
        if (numeric and (isinstance(value, str) or isinstance(value, bool))) or \
                (isinstance(old, bool) and not isinstance(value, bool)):
            kind = 'True or False' if isinstance(old, bool) else 'a number'
            raise InputError(f'--cfg-options {key}={value!r}: the config holds {old!r} there; '
                             f'give {kind}')
    try:
        cfg.merge_from_dict(options or {})
    except (TypeError, KeyError, ValueError, IndexError) as err:
        raise InputError(f'--cfg-options: {" ".join(str(err).split())}') from None


def use_dist_backend_of_this_machine(cfg: Config) -> None:
    """Write into ``cfg.env_cfg.dist_cfg`` the backend a process group will use here.

    Without CUDA gss.compat starts NCCL process groups over gloo; saying so in the config makes
    the runner's environment log and the saved config tell what ran. With ``GSS_NO_COMPAT=1``
    the config keeps what upstream mmengine will try.
    """
    if compat_disabled():
        return
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    # mmengine's Runner and init_dist both default to NCCL when the config names none.
    dist_cfg['backend'] = dist_backend_for_this_machine(dist_cfg.get('backend', 'nccl'))


def use_local_rank(local_rank: Optional[int]) -> None:
    """Make ``--local-rank N`` the ``LOCAL_RANK`` mmengine reads.

    ``python -m torch.distributed.launch`` (without ``--use-env``) passes ``--local-rank`` to
    every process, so the tools accept it; it becomes ``LOCAL_RANK`` for launchers that pass
    only the option (torchrun, which tools/dist_*.sh use, sets the variable). Without the
    option ``LOCAL_RANK`` is kept, or set to 0 for a single process.

    Raises:
        InputError: ``local_rank`` is negative.
    """
    if local_rank is not None:
        if local_rank < 0:
            raise InputError(f'--local-rank {local_rank}: must be 0 or more (the process\'s '
                             f'index on its node); leave it to the launcher')
        os.environ['LOCAL_RANK'] = str(local_rank)
    os.environ.setdefault('LOCAL_RANK', '0')


def prepare_config(config_path: str, work_dir: Optional[str] = None,
                   cfg_options: Optional[dict] = None, launcher: str = 'none',
                   data_root: Optional[str] = None, check_data: bool = True,
                   data_keys: Sequence[str] = DATALOADER_KEYS,
                   local_rank: Optional[int] = None) -> Config:
    """Load ``config_path`` and apply the options every tool shares.

    Args:
        config_path: the config file.
        work_dir: output folder; default ``./work_dirs/<config name>``.
        cfg_options: ``--cfg-options`` overrides (dotted keys).
        launcher: 'none', 'pytorch', 'slurm' or 'mpi'.
        data_root: if given, replaces the data root of every dataloader's dataset.
        check_data: fail early, in one line, if a data folder is missing or holds a file
            that is not an image.
        data_keys: the dataloaders the tool uses (testing needs only ``test_dataloader``).
        local_rank: ``--local-rank``, if given: the process's index on its node
            (:func:`use_local_rank`).
    """
    if not osp.isfile(config_path):
        raise FileNotFoundError(f'{config_path}: config file not found')
    use_local_rank(local_rank)
    try:
        cfg = Config.fromfile(config_path)
    except (SyntaxError, NameError) as err:  # mistakes in the config's own text
        raise InputError(f'{config_path}: the config does not load ({type(err).__name__}: '
                         f'{" ".join(str(err).split())})') from None
    cfg.launcher = launcher
    apply_cfg_options(cfg, cfg_options)
    use_dist_backend_of_this_machine(cfg)
    if data_root is not None:
        set_data_root(cfg, data_root)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])
    if check_data:
        check_data_roots(cfg, data_keys)
    return cfg


def check_eval_metrics(metrics: Sequence[str]) -> None:
    """Reject ``--eval`` names no evaluator computes, listing the supported ones."""
    unknown = [m for m in metrics if m not in SUPPORTED_EVAL_METRICS]
    if unknown:
        raise InputError(f'--eval: unsupported metric(s) {", ".join(unknown)}; '
                         f'supported: {", ".join(SUPPORTED_EVAL_METRICS)}')


def set_eval_metrics(cfg: Config, metrics: Sequence[str]) -> None:
    """Make ``cfg.test_evaluator`` report exactly ``metrics`` (``--eval mIoU mBIoU ECE``).

    The config's IoUMetric reports the IoU family (and is dropped when none is asked for);
    BoundaryIoUMetric and CalibrationMetric are added for mBIoU and ECE / NLL, with the
    IoUMetric's ``ignore_index``. mmengine runs all of them on the same predictions.
    """
    check_eval_metrics(metrics)
    evaluators = cfg.test_evaluator
    evaluators = list(evaluators) if isinstance(evaluators, (list, tuple)) else [evaluators]
    wanted = {kind: [m for m in metrics if EVAL_METRIC_EVALUATORS[m] == kind]
              for kind in set(EVAL_METRIC_EVALUATORS.values())}
    kept, ignore_index = [], 255
    if wanted['IoUMetric'] and not any(e.get('type') in ('IoUMetric', 'MSegMetric')
                                       for e in evaluators):
        evaluators.insert(0, dict(type='IoUMetric'))
    for evaluator in evaluators:
        kind = evaluator.get('type')
        if kind == 'MSegMetric' and list(metrics) != ['mIoU']:
            raise InputError('--eval: MSeg configs report mIoU only (per test set and their '
                             'harmonic mean); pass --eval mIoU')
        if kind == 'IoUMetric':
            ignore_index = evaluator.get('ignore_index', ignore_index)
            if wanted['IoUMetric']:
                evaluator['iou_metrics'] = wanted['IoUMetric']
                kept.append(evaluator)
        elif kind not in ('BoundaryIoUMetric', 'CalibrationMetric'):
            kept.append(evaluator)
    if wanted['BoundaryIoUMetric']:
        kept.append(dict(type='BoundaryIoUMetric', ignore_index=ignore_index))
    if wanted['CalibrationMetric']:
        kept.append(dict(type='CalibrationMetric', metrics=wanted['CalibrationMetric'],
                         ignore_index=ignore_index))
    cfg.test_evaluator = kept[0] if len(kept) == 1 else kept


def use_amp(cfg: Config) -> None:
    """Switch the optimizer wrapper to mixed precision (``--amp``); needs a GPU."""
    if not torch.cuda.is_available():
        raise InputError('--amp needs a CUDA GPU (mmengine has no CPU AMP optimizer '
                         'wrapper); drop --amp to train in fp32 on this machine.')
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper == 'AmpOptimWrapper':
        return
    if wrapper != 'OptimWrapper':
        raise InputError(f'--amp only works with optim_wrapper type OptimWrapper, got {wrapper}')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def close_distributed() -> None:
    """Shut down the process group, if any, before the tool exits.

    The runner that just returned sits in reference cycles, so its DDP wrapper (and through it
    gloo's process group and worker threads) would otherwise be freed by a garbage collection
    during interpreter shutdown, where it intermittently aborts the process ("terminate called
    without an active exception", SIGABRT) after the work is done. Collect it now, while the
    interpreter is whole, then destroy the group.
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        gc.collect()
        torch.distributed.destroy_process_group()


def build_runner(cfg: Config) -> Runner:
    """mmengine's Runner of ``cfg``, or the one its ``runner_type`` names."""
    return Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)


def run_tool(tool_file: str, step: Callable[[argparse.Namespace], None],
             args: argparse.Namespace) -> None:
    """Run a tool's ``step(args)``: bad input ends in one line naming the tool
    (:func:`gss.errors.exit_on_input_error`), and the process group closes before exit."""
    with exit_on_input_error(osp.basename(tool_file)):
        step(args)
    close_distributed()


def add_launcher_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every runner tool takes from the launchers: ``--launcher`` (dist_*.sh and
    slurm_*.sh pass it) and ``--local-rank`` (``python -m torch.distributed.launch``)."""
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=None,
                        help='index of this process on its node, as python -m '
                             'torch.distributed.launch passes it (becomes LOCAL_RANK)')
