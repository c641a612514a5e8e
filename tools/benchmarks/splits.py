"""The splits a comparison trains and evaluates on, and the config of a run on one.

``val``: the model configs' own data (train on the 367 CamVid training images, evaluate on val).
``heldout-<drive>``: train on the training images of the other drives and evaluate on the held-out
drive's (``configs/_base_/datasets/camvid_180x240_heldout-<drive>.py``). Val's images are frames
of a drive that also gives training images; a held-out drive shares none with training.

Every model config of the comparison reads ``camvid_180x240.py``'s data, so a run on a split uses
a derived config: the model config as ``_base_``, the split's dataloaders replacing its own, and
the run's seed.
"""
from __future__ import annotations

import os
import os.path as osp
import pprint
from typing import Dict, Optional, Tuple

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPLITS: Dict[str, Optional[str]] = {
    'val': None,
    'heldout-0006R0': 'configs/_base_/datasets/camvid_180x240_heldout-0006R0.py',
    'heldout-0001TP': 'configs/_base_/datasets/camvid_180x240_heldout-0001TP.py',
}
DATASET_SPLITS: Dict[str, Tuple[str, ...]] = dict(toy=('val',), camvid=tuple(SPLITS))
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def split_label(dataset_label: str, split: str) -> str:
    """How reports and metafiles name what a split evaluates on: 'CamVid val',
    'CamVid held-out drive 0006R0'."""
    if split == 'val':
        return f'{dataset_label} val'
    return f'{dataset_label} held-out drive {split.split("-", 1)[1]}'


def _absolute(path: str) -> str:
    return path if osp.isabs(path) else osp.join(REPO_ROOT, path)


def split_config_text(model_config: str, split: str, seed: Optional[int]) -> str:
    """The text of the derived config of ``model_config`` on ``split`` with ``seed`` (None:
    mmengine draws one).

    The split's resolved dataloaders replace the model config's (``_delete_``), except for the
    loader's own settings (batch size, sampler, workers), which stay the model config's: the
    split says which images and pipeline, the model how many per step (GSS-FT-W takes 2).
    """
    from mmengine.config import Config

    import gss  # noqa: F401  (registries and compatibility patches before loading configs)

    lines = ['# Written by tools/benchmarks/compare_heads.py: the model config on split '
             f'{split!r}' + ('' if seed is None else f' with seed {seed}') + '.',
             f'_base_ = [{_absolute(model_config)!r}]']
    if SPLITS[split] is not None:
        data = Config.fromfile(_absolute(SPLITS[split]))
        model = Config.fromfile(_absolute(model_config))
        for key in LOADERS:
            settings = {k: v for k, v in model[key].to_dict().items() if k != 'dataset'}
            loader = dict(_delete_=True, **dict(data[key].to_dict(), **settings))
            lines.append(f'{key} = {pprint.pformat(loader, sort_dicts=False)}')
    if seed is not None:
        lines.append(f'randomness = dict(seed={seed})')
    return '\n'.join(lines) + '\n'


def write_split_config(model_config: str, split: str, seed: Optional[int], path: str) -> str:
    """Write the derived config (``split_config_text``) to ``path``; returns ``path``."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.write(split_config_text(model_config, split, seed))
    return path
