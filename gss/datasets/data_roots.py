"""Checks and overrides of the data folders that a config's dataloaders read.

mmengine only notices a missing dataset deep inside the dataloader build, with a traceback
that does not say how to get the data. The tools call :func:`check_data_roots` first, so a
missing folder gives one line naming the path and what to do.
"""
from __future__ import annotations

import os.path as osp
from typing import Iterator, Sequence, Tuple

from mmengine.config import Config

DATALOADER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader')

HOW_TO_GET = {
    'ToyScenesDataset': 'generate it with: python tools/generate_toy_dataset.py {root}',
    'CamVidDataset': ('get the 11-class CamVid (SegNet split: train/, trainannot/, val/, '
                      'valannot/) and pass --data-root PATH'),
    'CityscapesDataset': ('download leftImg8bit and gtFine from cityscapes-dataset.com, run '
                          "mmseg's tools/dataset_converters/cityscapes.py, pass --data-root PATH"),
    'ADE20KDataset': ('download ADEChallengeData2016 from the MIT scene-parsing benchmark and '
                      'pass --data-root PATH'),
}


def _datasets(node: dict) -> Iterator[dict]:
    """Every dataset dict inside a dataloader/dataset config, through wrappers."""
    if not isinstance(node, dict):
        return
    if 'data_root' in node or 'data_prefix' in node:
        yield node
    for key in ('dataset', 'datasets'):
        child = node.get(key)
        for item in child if isinstance(child, (list, tuple)) else [child]:
            yield from _datasets(item)


def iter_data_folders(cfg: Config, keys: Sequence[str] = DATALOADER_KEYS
                      ) -> Iterator[Tuple[str, str, str]]:
    """Yield ``(dataloader key, dataset type, folder)`` for each image and label folder of the
    dataloaders ``keys``."""
    for key in keys:
        loader = cfg.get(key)
        if not loader:
            continue
        for dataset in _datasets(loader.get('dataset', {})):
            root = dataset.get('data_root', '') or ''
            prefixes = dataset.get('data_prefix', {}) or {}
            folders = [osp.join(root, p) for p in prefixes.values() if p] or [root]
            for folder in folders:
                yield key, str(dataset.get('type', '?')), folder


def check_data_roots(cfg: Config, keys: Sequence[str] = DATALOADER_KEYS) -> None:
    """Raise ``FileNotFoundError`` (one line) for the first missing data folder of the
    dataloaders ``keys`` of ``cfg``."""
    for key, dataset_type, folder in iter_data_folders(cfg, keys):
        if folder and not osp.isdir(folder):
            root = osp.dirname(osp.dirname(folder)) if dataset_type == 'ToyScenesDataset' \
                else folder
            hint = HOW_TO_GET.get(dataset_type, 'check data_root / data_prefix in the config')
            raise FileNotFoundError(
                f'{key}: data folder not found: {folder} ({dataset_type}); '
                + hint.format(root=root))


def set_data_root(cfg: Config, data_root: str) -> None:
    """Point every dataset of every dataloader at ``data_root`` (the tools' ``--data-root``)."""
    for key in DATALOADER_KEYS:
        loader = cfg.get(key)
        if loader:
            for dataset in _datasets(loader.get('dataset', {})):
                dataset['data_root'] = data_root
