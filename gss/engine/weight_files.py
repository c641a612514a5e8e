"""Fail before training starts when a weight file named in the config is missing."""
from __future__ import annotations

import os.path as osp
from typing import Iterator, Tuple

from mmengine.config import Config

_REMOTE = ('http://', 'https://', 'open-mmlab://', 'torchvision://', 'mmcls://', 's3://')


def _pretrained_paths(node, where: str) -> Iterator[Tuple[str, str]]:
    if isinstance(node, dict):
        init = node.get('init_cfg')
        for cfg in init if isinstance(init, list) else [init]:
            if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained' and cfg.get('checkpoint'):
                yield cfg['checkpoint'], f'{where}.init_cfg.checkpoint'
        for key, value in node.items():
            if key != 'init_cfg':
                yield from _pretrained_paths(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _pretrained_paths(value, f'{where}[{i}]')


def check_weight_files(cfg: Config) -> None:
    """Raise FileNotFoundError naming the file, the config key and the fix, for a missing
    ``load_from`` or local ``Pretrained`` backbone checkpoint."""
    found = list(_pretrained_paths(cfg.get('model', {}), 'model'))
    if cfg.get('load_from'):
        found.append((cfg.load_from, 'resume' if cfg.get('resume') else 'load_from'))
    for path, key in found:
        if str(path).startswith(_REMOTE) or osp.isfile(path):
            continue
        path = osp.normpath(path)  # configs give paths relative to themselves: a/../../b
        if key == 'resume':
            hint = 'pass an existing checkpoint to --resume, or --resume alone for the latest'
        elif key == 'load_from':
            hint = ('train the model it starts from first (GSS-FT-W starts from a GSS-FF '
                    'checkpoint) or pass --load-from CKPT')
        else:
            hint = (f'download it (see docs/models.md), or train from scratch with '
                    f'--cfg-options {key.rsplit(".checkpoint", 1)[0]}=None')
        raise FileNotFoundError(f'weights not found: {path} (config key {key}); {hint}')
