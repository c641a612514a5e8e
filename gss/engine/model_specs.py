"""What the analysis tools (``tools/analysis/``) share: the model list (``CONFIG CHECKPOINT``
and any ``--model CONFIG CHECKPOINT``, named for tables and plots), a progress display and the
check for their plotting library."""
from __future__ import annotations

import argparse
import os.path as osp
from typing import List, NamedTuple

from gss.errors import InputError


class ModelSpec(NamedTuple):
    config: str
    checkpoint: str
    name: str  # how tables and the plot call the model


def model_specs(args: argparse.Namespace) -> List[ModelSpec]:
    """The models to evaluate, named by their config's file name, with the checkpoint's file
    name (or path) added where that alone would not tell them apart.

    Raises:
        InputError: a (config, checkpoint) pair is given twice.
    """
    pairs = [(args.config, args.checkpoint)] + [tuple(pair) for pair in args.model]
    seen = set()
    for config, checkpoint in pairs:
        key = (osp.abspath(config), osp.abspath(checkpoint))
        if key in seen:
            raise InputError(f'{config} {checkpoint}: this model is given twice')
        seen.add(key)
    names = [osp.splitext(osp.basename(config))[0] for config, _ in pairs]
    for describe in (osp.basename, str):
        names = [name if names.count(name) == 1 else
                 f'{osp.splitext(osp.basename(config))[0]} ({describe(checkpoint)})'
                 for name, (config, checkpoint) in zip(names, pairs)]
    return [ModelSpec(config, checkpoint, name)
            for (config, checkpoint), name in zip(pairs, names)]


def check_model_files(args: argparse.Namespace) -> None:
    """Every config and checkpoint of the model list exists, or FileNotFoundError naming it."""
    for config, checkpoint in [(args.config, args.checkpoint)] + args.model:
        for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
            if not osp.isfile(path):
                raise FileNotFoundError(f'{path}: {what} not found')


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """``config checkpoint`` and the repeatable ``--model CONFIG CHECKPOINT``."""
    parser.add_argument('config', help='config of the first model')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('--model', nargs=2, action='append', default=[],
                        metavar=('CONFIG', 'CHECKPOINT'),
                        help='another model to evaluate (repeat for more)')


def require_matplotlib(option: str) -> None:
    """Refuse ``option`` (a plot) at the start, in one line, when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError(f'{option} needs matplotlib, which is not installed: pip install '
                         f'matplotlib, or drop {option}') from None


class Progress:
    """A tqdm bar if tqdm is installed, else one printed line per step."""

    def __init__(self, total: int, desc: str, leave: bool = True) -> None:
        self.total, self.desc, self.done = total, desc, 0
        try:
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=desc, leave=leave, dynamic_ncols=True)
        except ImportError:
            self.bar = None
            print(f'{desc}: {total} steps', flush=True)

    def step(self, message: str = '', count: int = 1) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.set_postfix_str(message, refresh=False)
            self.bar.update(count)
        elif message:
            print(f'{self.desc} [{self.done}/{self.total}] {message}', flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
