"""Train a segmentor: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]``."""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401  (compatibility patches and registries first)
from gss.engine import (check_weight_files, close_distributed, prepare_config,  # noqa: E402
                        use_amp)
from mmengine.config import DictAction  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402
from mmengine.runner import Runner, find_latest_checkpoint  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor.')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument('--resume', nargs='?', const='auto', default=None, metavar='CKPT',
                        help='resume from CKPT, or without a value from the latest checkpoint '
                             'in the work dir')
    parser.add_argument('--load-from', help='initialise the model from this checkpoint')
    parser.add_argument('--amp', action='store_true', help='mixed-precision training (GPU)')
    parser.add_argument('--data-root', help='replace the data root of every dataset')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config values, e.g. train_cfg.max_iters=100')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        cfg = prepare_config(args.config, args.work_dir, args.cfg_options, args.launcher,
                             args.data_root)
        if args.amp:
            use_amp(cfg)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        sys.exit(f'train.py: {err}')
    if args.load_from:
        cfg.load_from = args.load_from
    if args.resume == 'auto':
        # mmengine would resume from load_from when a config sets it (GSS-FT-W points it at
        # its GSS-FF checkpoint): resume from this run's own latest checkpoint instead, and
        # start as configured when there is none yet.
        latest = find_latest_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else None
        if latest:
            cfg.resume, cfg.load_from = True, latest
        else:
            print(f'--resume: no checkpoint in {cfg.work_dir} yet; starting from the '
                  f'beginning', flush=True)
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    try:
        check_weight_files(cfg)
    except FileNotFoundError as err:
        sys.exit(f'train.py: {err}')
    try:
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    except FileNotFoundError as err:  # a missing checkpoint or weight file named in the config
        sys.exit(f'{osp.basename(__file__)}: {err}')
    runner.train()
    close_distributed()


if __name__ == '__main__':
    main()
