"""Train a segmentor: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]``."""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401  (compatibility patches and registries first)
from gss.checkpoints import check_checkpoint_file, find_resumable_checkpoint  # noqa: E402
from gss.engine import (ConfigOptionsAction, add_launcher_arguments, build_runner,  # noqa: E402
                        check_weight_files, prepare_config, run_tool, use_amp)
from gss.errors import InputError  # noqa: E402


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
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction,
                        help='override config values, e.g. train_cfg.max_iters=100')
    add_launcher_arguments(parser)
    return parser.parse_args()


def _is_local(path: str) -> bool:
    return '://' not in str(path)


def train(args: argparse.Namespace) -> None:
    cfg = prepare_config(args.config, args.work_dir, args.cfg_options, args.launcher,
                         args.data_root, local_rank=args.local_rank)
    if args.amp:
        use_amp(cfg)
    if args.load_from:
        cfg.load_from = args.load_from
    if args.resume == 'auto':
        # mmengine would resume from load_from when a config sets it (GSS-FT-W points it at
        # its GSS-FF checkpoint): resume from this run's own latest checkpoint instead, and
        # start as configured when there is none yet.
        latest, note = find_resumable_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) \
            else (None, None)
        if latest:
            if note:
                print(note, flush=True)
            cfg.resume, cfg.load_from = True, latest
        elif note:
            raise InputError(f'{note}; drop --resume to train from the beginning')
        else:
            print(f'--resume: no checkpoint in {cfg.work_dir} yet; starting from the '
                  f'beginning', flush=True)
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    check_weight_files(cfg)
    if cfg.get('load_from') and _is_local(cfg.load_from):
        # A truncated or foreign file is named now, not after the model and data are built
        # (without unpickling it: mmengine reads it again).
        check_checkpoint_file(cfg.load_from, 'checkpoint to resume' if cfg.get('resume')
                              else 'load_from checkpoint')
    runner = build_runner(cfg)
    runner.train()


def main() -> None:
    run_tool(__file__, train, parse_args())


if __name__ == '__main__':
    main()
