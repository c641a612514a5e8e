"""Writing a converted checkpoint: what every converter tool does around its conversion."""
from __future__ import annotations

import argparse
import os.path as osp
from typing import Dict

from torch import Tensor

from gss.checkpoints import save_atomically
from gss.errors import InputError


def converter_argument_parser(original: str) -> argparse.ArgumentParser:
    """The command line every converter tool shares: ``SRC DST [--overwrite]``, for a
    checkpoint released with the original ``original`` (e.g. ``'GSS'``); each tool adds its
    own options."""
    parser = argparse.ArgumentParser(
        description=f'original {original} checkpoint -> gss checkpoint')
    parser.add_argument('src', help=f'a checkpoint released with the original {original}')
    parser.add_argument('dst', help='the converted checkpoint to write')
    parser.add_argument('--overwrite', action='store_true',
                        help="replace an existing DST (and the tool's other outputs)")
    return parser


def refuse_to_replace(dst: str, overwrite: bool) -> None:
    """One line, before any work, if ``dst`` exists and ``--overwrite`` was not given."""
    if osp.exists(dst) and not overwrite:
        raise InputError(f'{dst}: exists; pass --overwrite to replace it')


def save_converted(state: Dict[str, Tensor], src: str, source_checkpoint: dict, dst: str) -> None:
    """Write ``state`` to ``dst`` (atomically) with ``meta.converted_from``, and the class names
    and palette the source's MMSegmentation 0.x ``meta`` carries, if any."""
    meta = source_checkpoint.get('meta')
    meta = meta if isinstance(meta, dict) else {}
    new_meta = dict(converted_from=osp.abspath(src))
    if meta.get('CLASSES') and meta.get('PALETTE'):
        new_meta['dataset_meta'] = dict(classes=list(meta['CLASSES']),
                                        palette=[list(c) for c in meta['PALETTE']])
    save_atomically(dict(state_dict=state, meta=new_meta), dst)
