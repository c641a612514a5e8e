"""Convert the checkpoint released with the original GMMSeg (leonnnop/GMMSeg) for this toolbox.

    python tools/model_converters/gmmseg_original_to_gss.py SRC.pth DST.pth [--overwrite]

SRC is a GMMSeg-SegFormer checkpoint of the original code (MMSegmentation 0.x layout: ``meta``,
``state_dict``, ``optimizer``; the released one is MiT-B5 on COCO-Stuff 10k). DST holds the
model's weights under this project's names and loads strictly into
``configs/gmmseg/gmmseg_mit-b5_80k_coco-stuff10k-512x512.py`` (what changes is listed in
``gss/converters/gmmseg_original.py``). The original's 7 GB EM memory is mapped, not read, and
left out.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import gss  # noqa: E402,F401
from gss.converters import convert_gmmseg_original  # noqa: E402
from gss.converters.converted_file import (converter_argument_parser,  # noqa: E402
                                           read_original, run_converter, save_converted)
from gss.errors import InputError  # noqa: E402


def convert(args: argparse.Namespace) -> None:
    if args.em_interval < 1:  # before the (large) checkpoint is read
        raise InputError(f'--em-interval {args.em_interval}: must be a positive number of '
                         f'iterations (the run\'s update_GMM_interval; released: 5)')
    checkpoint, state = read_original(args.src, 'original GMMSeg checkpoint', mmap=True)
    ours, dropped = convert_gmmseg_original(state, em_interval=args.em_interval)
    save_converted(ours, args.src, checkpoint, args.dst)
    print(f'wrote {args.dst}: {len(ours)} tensors ({len(dropped)} left out: '
          f'{", ".join(k.split(".", 1)[1] for k in dropped)})')


def main() -> None:
    parser = converter_argument_parser('GMMSeg')
    parser.add_argument('--em-interval', type=int, default=5,
                        help="the run's M-step interval (update_GMM_interval; released: 5)")
    run_converter(parser, 'gmmseg_original_to_gss', convert)


if __name__ == '__main__':
    main()
