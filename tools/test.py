"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--eval mIoU]``.

CHECKPOINT may be ``none`` for models without trained weights (the stage-1 reconstruction
configs in ``configs/gss/*/reconstruction_*.py``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401  (compatibility patches and registries first)
from gss.engine import (SUPPORTED_EVAL_METRICS, check_eval_metrics,  # noqa: E402
                        close_distributed, prepare_config,
                        set_eval_metrics)
from mmengine.config import DictAction  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a segmentor.')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file, or "none" for models without '
                        'trained weights (stage-1 reconstruction)')
    parser.add_argument('--work-dir', help='where the evaluation log goes')
    parser.add_argument('--out', help='folder to write the predicted label maps (PNG) to')
    parser.add_argument('--show-dir', help='folder to write painted predictions to')
    parser.add_argument('--anomaly-dir', help='GMMSeg: write every image\'s per-pixel anomaly '
                        'score, -max_c log p(x | c), to DIR/<image>.npy (docs/models.md)')
    parser.add_argument('--eval', nargs='+', metavar='METRIC',
                        help=f'metrics to report: {", ".join(SUPPORTED_EVAL_METRICS)} '
                             '(default: the config\'s)')
    parser.add_argument('--data-root', help='replace the data root of every dataset')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config values, e.g. test_dataloader.batch_size=2')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    no_checkpoint = args.checkpoint.lower() == 'none'
    if not no_checkpoint and not osp.isfile(args.checkpoint):
        sys.exit(f'test.py: checkpoint not found: {args.checkpoint} (pass "none" only for '
                 'models without trained weights)')
    try:
        check_eval_metrics(args.eval or [])
        cfg = prepare_config(args.config, args.work_dir, args.cfg_options, args.launcher,
                             args.data_root)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'test.py: {err}')
    if args.eval:
        set_eval_metrics(cfg, args.eval)
    cfg.load_from = None if no_checkpoint else args.checkpoint
    # Testing never trains: drop train-only settings, so test-only configs (stage-1
    # reconstruction) need no optimiser, and mmengine's all-or-none check passes.
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler'):
        cfg[key] = None
    if args.show_dir:
        hook = cfg.default_hooks.get('visualization')
        if hook is None:
            sys.exit('--show-dir needs a SegVisualizationHook in default_hooks.visualization')
        hook['draw'] = True
        cfg.visualizer['save_dir'] = args.show_dir
    if args.anomaly_dir:
        if cfg.model.get('type') != 'OpenSetEncoderDecoder':
            sys.exit(f'test.py: --anomaly-dir needs a GMMSeg config (model.type '
                     f'OpenSetEncoderDecoder), not model.type {cfg.model.get("type")}')
        cfg.model.setdefault('test_cfg', {})['open_set'] = True
        cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [
            dict(type='AnomalyScoreWriterHook', out_dir=args.anomaly_dir)]
    if args.out:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    try:
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    except FileNotFoundError as err:  # a missing checkpoint or weight file named in the config
        sys.exit(f'{osp.basename(__file__)}: {err}')
    runner.test()
    close_distributed()


if __name__ == '__main__':
    main()
