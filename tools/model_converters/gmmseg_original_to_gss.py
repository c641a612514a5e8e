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
from gss.checkpoints import read_checkpoint, state_dict_of  # noqa: E402
from gss.converters import convert_gmmseg_original  # noqa: E402
from gss.converters.converted_file import (converter_argument_parser,  # noqa: E402
                                           refuse_to_replace, save_converted)
from gss.errors import exit_on_input_error  # noqa: E402


def convert(args: argparse.Namespace) -> None:
    refuse_to_replace(args.dst, args.overwrite)
    checkpoint = read_checkpoint(args.src, 'original GMMSeg checkpoint', mmap=True)
    ours, dropped = convert_gmmseg_original(state_dict_of(checkpoint, args.src),
                                            em_interval=args.em_interval)
    save_converted(ours, args.src, checkpoint, args.dst)
    print(f'wrote {args.dst}: {len(ours)} tensors ({len(dropped)} left out: '
          f'{", ".join(k.split(".", 1)[1] for k in dropped)})')


def main() -> None:
    parser = converter_argument_parser('GMMSeg')
    parser.add_argument('--em-interval', type=int, default=5,
                        help="the run's M-step interval (update_GMM_interval; released: 5)")
    args = parser.parse_args()
    with exit_on_input_error('gmmseg_original_to_gss'):
        convert(args)


if __name__ == '__main__':
    main()
