"""Convert the checkpoint released with the original ProtoSeg (tfzhou/ProtoSeg) for this toolbox.

    python tools/model_converters/protoseg_original_to_gss.py SRC.pth DST.pth [--overwrite]
    python tools/test.py \
        configs/protoseg/protoseg_hrnet-w48_released_cityscapes-1024x2048.py DST.pth --eval mIoU

SRC is the HRNet-W48 Cityscapes checkpoint of the original code (openseg.pytorch layout:
``config_dict`` and ``state_dict``, keys under ``module.``; also accepted without the prefix,
under ``model``, or as a bare state dict). DST holds the same model under this project's names
and loads strictly into the config above, which also reproduces the released model's input
format and projection normalisation (gss/converters/protoseg_original.py lists the renames).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import gss  # noqa: E402,F401
from gss.converters.converted_file import (converter_argument_parser,  # noqa: E402
                                           read_original, run_converter, save_converted)
from gss.converters.protoseg_original import convert_protoseg_original  # noqa: E402


def convert(args: argparse.Namespace) -> None:
    # mmap: the tensors that are only renamed go from SRC to DST without being held in memory.
    checkpoint, state = read_original(args.src, 'original ProtoSeg checkpoint', mmap=True)
    ours, dropped = convert_protoseg_original(state)
    save_converted(ours, args.src, checkpoint, args.dst)
    print(f'wrote {args.dst}: {len(ours)} tensors ({len(dropped)} duplicates of '
          f'proj_head.proj left out)')


def main() -> None:
    run_converter(converter_argument_parser('ProtoSeg'), 'protoseg_original_to_gss', convert)


if __name__ == '__main__':
    main()
