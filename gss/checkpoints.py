"""Checkpoint files: writing them atomically, reading them safely, and loading them strictly.

Every checkpoint a tool reads goes through :func:`read_checkpoint` (``weights_only=True``, one
clear :class:`~gss.errors.InputError` for an empty, truncated or foreign file) and, for model
weights, through :func:`load_weights`, which refuses a checkpoint that does not fit the model
unless a partial load is asked for: a baseline checkpoint given to a GSS config would
otherwise test a randomly initialised head and print a score as if nothing were wrong.
"""
from __future__ import annotations

import glob
import json
import os
import os.path as osp
import pickle
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from gss.errors import InputError

_ZIP_MAGIC = b'PK\x03\x04'
_PICKLE_PROTO = b'\x80'
# What a wrong file most often is, from its first bytes.
_KNOWN_HEADERS = ((b'\x89PNG', 'a PNG image'), (b'\xff\xd8\xff', 'a JPEG image'),
                  (b'{', 'JSON or text'), (b'[', 'JSON or text'), (b'#', 'text'),
                  (b'<', 'HTML or XML'), (b'\x1f\x8b', 'a gzip archive'))


def save_atomically(obj, path: str, as_json: bool = False) -> None:
    """``torch.save`` (or, with ``as_json``, ``json.dump``) to ``path.partial``, fsync, then
    rename: an interrupted save never leaves a truncated file under ``path`` (the previous one,
    if any, stays intact)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    partial = f'{path}.partial'
    with open(partial, 'w' if as_json else 'wb') as f:
        if as_json:
            json.dump(obj, f, indent=1)
        else:
            torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)


def _describe_foreign(head: bytes) -> str:
    for magic, what in _KNOWN_HEADERS:
        if head.startswith(magic):
            return what
    return f'a file starting with {head[:8]!r}'


def is_torchscript_archive(path: str) -> bool:
    """Whether ``path`` is a TorchScript archive (``torch.jit.save``): a zip holding
    ``constants.pkl``. ``torch.load`` without ``weights_only`` hands those to ``torch.jit.load``,
    which runs their code."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.split('/')[-1] == 'constants.pkl' for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def check_checkpoint_file(path: str, what: str = 'checkpoint',
                          how_to_make: Optional[str] = None) -> None:
    """The checks of :func:`read_checkpoint` that need not unpickle the file: present, not
    empty, a PyTorch file (zip or legacy pickle), not TorchScript, not truncated."""
    hint = f'; {how_to_make}' if how_to_make else ''
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: {what} not found{hint}')
    size = osp.getsize(path)
    if size == 0:
        raise InputError(f'{path}: empty {what} (0 bytes; an interrupted copy or save?); use '
                         f'another checkpoint')
    with open(path, 'rb') as f:
        head = f.read(16)
    if not head.startswith((_ZIP_MAGIC, _PICKLE_PROTO)):
        raise InputError(f'{path}: not a PyTorch {what} (it is {_describe_foreign(head)}); '
                         f'pass a .pth file written by tools/train.py or torch.save')
    if head.startswith(_ZIP_MAGIC) and not zipfile.is_zipfile(path):
        raise InputError(f'{path}: truncated or corrupt {what} ({size} bytes, the end of the '
                         f'file is missing); use an intact copy or an earlier checkpoint')
    if is_torchscript_archive(path):
        raise InputError(f'{path}: a TorchScript archive (torch.jit.save), not a {what} of '
                         f'weights; it is not loaded, as loading it runs its code')


def read_checkpoint(path: str, what: str = 'checkpoint', required_keys: Sequence[str] = (),
                    how_to_make: Optional[str] = None, mmap: bool = False) -> dict:
    """Read a checkpoint with ``weights_only=True``, turning every way it can be wrong into one
    :class:`InputError` that names the file and what to do.

    Args:
        path: the file.
        what: how messages call it ('checkpoint', 'GSS-FF checkpoint', ...).
        required_keys: top-level keys the checkpoint must have (its kind).
        how_to_make: where such a file comes from, for the messages of a missing or wrong file.
        mmap: map a zip-format file's tensors instead of reading them (a converter that drops a
            several-GB buffer then never holds it in memory); legacy-format files are read.

    Returns:
        The loaded dict (an mmengine checkpoint or a plain state dict).
    """
    hint = f'; {how_to_make}' if how_to_make else ''
    check_checkpoint_file(path, what, how_to_make)
    try:
        checkpoint = torch.load(path, map_location='cpu', weights_only=True,
                                mmap=mmap and zipfile.is_zipfile(path))
    except pickle.UnpicklingError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f'{path}: holds Python objects a weights-only load refuses, so it is '
                         f'not read ({first[:160]}); convert it to a state dict of tensors') \
            from err
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as err:
        reason = ' '.join(str(err).split())[:160]
        raise InputError(f'{path}: unreadable {what} ({reason}); if it is truncated or '
                         f'corrupt, use an intact copy or an earlier checkpoint') from err
    if not isinstance(checkpoint, dict):
        raise InputError(f'{path}: holds a {type(checkpoint).__name__}, not a checkpoint dict '
                         f'of model weights')
    missing = [key for key in required_keys if key not in checkpoint]
    if missing:
        needs = ', '.join(f'"{key}"' for key in required_keys)
        raise InputError(f'{path}: not a {what} (needs {needs}){hint}')
    return checkpoint


def state_dict_of(checkpoint: dict, path: str) -> Dict[str, Tensor]:
    """The model weights of a checkpoint (``state_dict``, ``model`` or the dict itself), with
    the ``module.`` prefix of DDP-saved weights removed."""
    state = checkpoint.get('state_dict', checkpoint.get('model', checkpoint))
    tensors = {k: v for k, v in state.items() if isinstance(v, Tensor)} \
        if isinstance(state, dict) else {}
    if not tensors:
        keys = ', '.join(list(map(str, checkpoint))[:5])
        raise InputError(f'{path}: holds no model weights (top-level keys: {keys}); pass a '
                         f'model checkpoint')
    return {re.sub(r'^module\.', '', k): v for k, v in tensors.items()}


@dataclass
class WeightsFit:
    """How a state dict fits a model: the keys each side lacks and the shape disagreements."""

    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, tuple, tuple]] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)

    def summary(self) -> str:
        """One line: counts, and the modules (first two name parts) they belong to."""
        parts = []
        for label, keys in (('missing', self.missing), ('unexpected', self.unexpected),
                            ('with another shape', [k for k, _, _ in self.mismatched])):
            if keys:
                modules = Counter('.'.join((k.split('.')[:-1] or [k])[:2]) for k in keys)
                listed = ', '.join(f'{m} ({n})' for m, n in modules.most_common(4))
                more = f', +{len(modules) - 4} more modules' if len(modules) > 4 else ''
                parts.append(f'{len(keys)} weights {label}: {listed}{more}')
        return '; '.join(parts)


def weights_fit(model: nn.Module, state: Dict[str, Tensor]) -> WeightsFit:
    """Compare ``state`` with ``model.state_dict()`` key by key and shape by shape."""
    own = model.state_dict()
    fit = WeightsFit(missing=[k for k in own if k not in state],
                     unexpected=[k for k in state if k not in own])
    fit.mismatched = [(k, tuple(state[k].shape), tuple(own[k].shape)) for k in own
                      if k in state and state[k].shape != own[k].shape]
    return fit


def load_weights(model: nn.Module, path: str, partial: bool = False,
                 what: str = 'checkpoint') -> dict:
    """Load the weights of ``path`` into ``model`` (unwrapped from DDP if needed).

    Args:
        model: the model built from the config.
        path: the checkpoint.
        partial: load the weights that fit and skip the rest, instead of refusing a
            checkpoint that does not fit the model exactly.
        what: how messages call the file.

    Returns:
        The checkpoint dict (for its ``meta``).

    Raises:
        InputError: the file is unreadable, or does not fit and ``partial`` is False.
    """
    while hasattr(model, 'module'):  # DDP and the test-time-augmentation wrapper
        model = model.module
    checkpoint = read_checkpoint(path, what)
    state = state_dict_of(checkpoint, path)
    fit = weights_fit(model, state)
    if not fit.exact and not partial:
        raise InputError(f'{path}: does not fit this model: {fit.summary()}; check that the '
                         f'checkpoint was trained with this config, or pass --partial-load to '
                         f'load only the weights that fit')
    skipped = {k for k, _, _ in fit.mismatched}
    model.load_state_dict({k: v for k, v in state.items() if k not in skipped}, strict=False)
    return checkpoint


def _is_intact(path: str) -> bool:
    """Whether ``path`` is a readable zip checkpoint whose every member passes its CRC."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def _iteration_of(path: str) -> int:
    """N of ``iter_N.pth`` / ``epoch_N.pth``; -1 for any other file (``best_mIoU_iter_N.pth``)."""
    match = re.fullmatch(r'(?:iter|epoch)_(\d+)\.pth', osp.basename(path))
    return int(match.group(1)) if match else -1


def find_resumable_checkpoint(work_dir: str) -> Tuple[Optional[str], Optional[str]]:
    """The checkpoint ``--resume`` continues from, and a note when it is not the recorded one.

    mmengine records the last checkpoint in ``work_dir/last_checkpoint``. If that file is gone
    or damaged (deleted by hand, a disk that filled up), resuming falls back to the newest
    intact ``iter_*.pth`` / ``epoch_*.pth`` in ``work_dir``.

    Returns:
        (path or None when there is none, note for the user or None).
    """
    recorded = None
    record = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(record):
        with open(record) as f:
            recorded = f.read().strip() or None
    if recorded and osp.isfile(recorded) and _is_intact(recorded):
        return recorded, None
    candidates = sorted(glob.glob(osp.join(work_dir, '*_*.pth')), key=_iteration_of,
                        reverse=True)
    for candidate in candidates:
        if _iteration_of(candidate) >= 0 and _is_intact(candidate):
            if recorded is None:
                return candidate, None
            state = 'is missing' if not osp.isfile(recorded) else 'is damaged'
            return candidate, (f'--resume: the last checkpoint {recorded} {state}; resuming '
                               f'from the newest intact one, {candidate}')
    if recorded:
        state = 'is missing' if not osp.isfile(recorded) else 'is damaged'
        return None, f'--resume: the last checkpoint {recorded} {state} and {work_dir} holds ' \
                     f'no other intact checkpoint'
    return None, None
