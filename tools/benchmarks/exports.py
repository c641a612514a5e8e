"""The checkpoints a comparison writes: each run's final weights as a plain fp16 state dict
(GSS-FT-W merged with its GSS-FF), and the copies of the median runs' that are shipped."""
from __future__ import annotations

import hashlib
import os
import os.path as osp
import shutil
import sys
from typing import Optional

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # tools/, for merge_checkpoints

from gss.checkpoints import save_atomically  # noqa: E402


def load_state_dict(path: str) -> dict:
    """The state dict of a checkpoint (an mmengine one or a plain state dict)."""
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    return checkpoint.get('state_dict', checkpoint)


def export_checkpoint(final: str, out: str, merge_into: Optional[str] = None) -> str:
    """Write the final weights as a plain fp16 state dict (half the size; ``weights_only=True``
    loads it and mmengine casts it back to the model's dtype). ``merge_into``: a GSS-FF
    checkpoint whose image network the GSS-FT-W weights in ``final`` are merged with."""
    from merge_checkpoints import merge
    state = load_state_dict(final)
    if merge_into is not None:
        state, _ = merge(load_state_dict(merge_into), state)
    state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    save_atomically(state, out)
    return out


def file_sha256(path: str) -> str:
    """The SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def shipped_path(config: str, export_dir: str) -> str:
    """Where a config's shipped checkpoint goes: EXPORT_DIR/<config name>.pth."""
    return osp.join(osp.abspath(export_dir), osp.splitext(osp.basename(config))[0] + '.pth')


def ship(checkpoint: str, config: str, export_dir: str) -> str:
    """Copy ``checkpoint`` to ``shipped_path(config, export_dir)`` through a temporary file, so
    that an interrupted copy never leaves a half-written shipped checkpoint; returns the path."""
    target = shipped_path(config, export_dir)
    os.makedirs(osp.dirname(target), exist_ok=True)
    shutil.copyfile(checkpoint, target + '.partial')
    os.replace(target + '.partial', target)
    return target
