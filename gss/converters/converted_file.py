"""What every converter tool (tools/model_converters/) does around its conversion: the shared
command line, reading the foreign checkpoint, and writing the converted one."""
from __future__ import annotations

import argparse
import os.path as osp
from typing import Callable, Dict, Optional, Sequence, Tuple

from torch import Tensor

from gss.checkpoints import read_checkpoint, save_atomically, state_dict_of
from gss.errors import InputError, exit_on_input_error


def add_destination_arguments(parser: argparse.ArgumentParser, dst_help: str,
                              overwrite_help: str, metavar: str = 'dst') -> None:
    """Add the file a converter writes (``args.dst``, shown as ``metavar``) and ``--overwrite``
    (``args.overwrite``), which :func:`run_converter` checks."""
    parser.add_argument('dst', metavar=metavar, help=dst_help)
    parser.add_argument('--overwrite', action='store_true', help=overwrite_help)


def converter_argument_parser(original: str) -> argparse.ArgumentParser:
    """The command line every converter of an original's checkpoint shares:
    ``SRC DST [--overwrite]``, for a checkpoint released with the original ``original`` (e.g.
    ``'GSS'``); each tool adds its own options."""
    parser = argparse.ArgumentParser(
        description=f'original {original} checkpoint -> gss checkpoint')
    parser.add_argument('src', help=f'a checkpoint released with the original {original}')
    add_destination_arguments(parser, 'the converted checkpoint to write',
                              "replace an existing DST (and the tool's other outputs)")
    return parser


def run_converter(parser: argparse.ArgumentParser, tool: str,
                  convert: Callable[[argparse.Namespace], None],
                  argv: Optional[Sequence[str]] = None) -> None:
    """A converter tool's ``main``: parse ``argv`` (default: the command line), refuse an
    existing ``args.dst`` without ``--overwrite`` before any work, then ``convert(args)``.

    Bad input (:class:`InputError`, a missing file) ends the tool with ``tool: message`` on one
    line and exit status 1.
    """
    args = parser.parse_args(argv)
    with exit_on_input_error(tool):
        refuse_to_replace(args.dst, args.overwrite)
        convert(args)


def read_original(src: str, what: str, mmap: bool = False) -> Tuple[dict, Dict[str, Tensor]]:
    """The checkpoint at ``src`` (``what`` names it in errors) and its weights, wherever the
    original keeps them (:func:`gss.checkpoints.state_dict_of`). ``mmap`` maps the tensors
    instead of reading them, for checkpoints whose tensors are mostly only renamed."""
    checkpoint = read_checkpoint(src, what, mmap=mmap)
    return checkpoint, state_dict_of(checkpoint, src)


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
