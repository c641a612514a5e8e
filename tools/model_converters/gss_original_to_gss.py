"""Convert a checkpoint released with the original GSS (fudan-zvg/GSS) for this toolbox.

    python tools/model_converters/gss_original_to_gss.py SRC.pth DST.pth \
        [--dalle-out checkpoints/dalle_dvae.pth] [--overwrite]

SRC is a GSS-FF or GSS-FT-W checkpoint of the original code (MMSegmentation 0.x layout:
``meta``, ``state_dict``, ``optimizer``; FT-W plain or merged). DST holds the model's weights
under this project's names and loads strictly into the matching config (docs/models.md lists
them). The DALL-E dVAE that the original keeps inside the head goes to ``--dalle-out``, the file
the DALL-E configs read, so no separate DALL-E download is needed; an existing file with the
same weights is kept, one with other weights is only replaced with ``--overwrite``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402

import gss  # noqa: E402,F401
from gss.checkpoints import read_checkpoint, save_atomically  # noqa: E402
from gss.converters import convert_gss_original, dalle_checkpoint  # noqa: E402
from gss.converters.converted_file import (converter_argument_parser,  # noqa: E402
                                           read_original, run_converter, save_converted)
from gss.errors import InputError  # noqa: E402

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_DALLE_OUT = osp.join(REPO_ROOT, 'checkpoints', 'dalle_dvae.pth')


def _same_dalle(path: str, dalle: dict) -> bool:
    existing = read_checkpoint(path, 'DALL-E checkpoint', required_keys=('encoder', 'decoder'))
    return all(set(existing[part]) == set(dalle[part]) and
               all(torch.equal(existing[part][k], dalle[part][k]) for k in dalle[part])
               for part in ('encoder', 'decoder'))


def convert(args: argparse.Namespace) -> None:
    checkpoint, state = read_original(args.src, 'original GSS checkpoint')
    ours, dvae, dropped = convert_gss_original(state)
    dalle = dalle_checkpoint(dvae)
    if osp.exists(args.dalle_out) and not _same_dalle(args.dalle_out, dalle) \
            and not args.overwrite:
        raise InputError(f'{args.dalle_out}: holds other DALL-E weights; pass --overwrite to '
                         f'replace it, or --dalle-out ANOTHER_PATH')
    save_converted(ours, args.src, checkpoint, args.dst)
    print(f'wrote {args.dst}: {len(ours)} tensors'
          + (f' ({len(dropped)} of the merged FF pixel branch left out: GSS-FT-W does not use '
             f'it)' if dropped else ''))
    if not osp.exists(args.dalle_out) or args.overwrite:
        save_atomically(dalle, args.dalle_out)
        print(f'wrote {args.dalle_out}: the DALL-E dVAE ({len(dvae)} tensors)')
    else:
        print(f'{args.dalle_out} already holds this DALL-E dVAE; kept')


def main() -> None:
    parser = converter_argument_parser('GSS')
    parser.add_argument('--dalle-out', default=DEFAULT_DALLE_OUT,
                        help='where the DALL-E dVAE carried inside goes (default: '
                             'checkpoints/dalle_dvae.pth, the DALL-E configs\' file)')
    run_converter(parser, 'gss_original_to_gss', convert)


if __name__ == '__main__':
    main()
