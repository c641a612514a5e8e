"""Checks and overrides of the data folders that a config's dataloaders read.

mmengine only notices a missing dataset deep inside the dataloader build, with a traceback
that does not say how to get the data, and a file that is not an image only when the loader
reaches it, possibly after a whole evaluation. The tools call :func:`check_data_roots` first,
for the dataloaders they use, so a missing folder or a non-image file gives one line naming the
path and what to do.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Iterator, List, NamedTuple, Optional, Sequence, Tuple

from mmengine.config import Config

from gss.errors import InputError

DATALOADER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader')

HOW_TO_GET = {
    'ToyScenesDataset': 'generate it with: python tools/generate_toy_dataset.py {root}',
    'CamVidDataset': ('get the 11-class CamVid (SegNet split: train/, trainannot/, val/, '
                      'valannot/) and pass --data-root PATH'),
    'CityscapesDataset': ('download leftImg8bit and gtFine from cityscapes-dataset.com, run '
                          "mmseg's tools/dataset_converters/cityscapes.py, pass --data-root PATH"),
    'ADE20KDataset': ('download ADEChallengeData2016 from the MIT scene-parsing benchmark and '
                      'pass --data-root PATH'),
    'COCOStuffDataset': ('download COCO-Stuff 10k (cocostuff-10k-v1.1.zip), run mmseg\'s '
                         'tools/dataset_converters/coco_stuff10k.py, pass --data-root PATH'),
    'MSegDataset': ('download and remap MSeg with mseg-api\'s download scripts, then pass '
                    '--data-root MSEG_DST_DIR/mseg_dataset (docs/datasets.md: MSeg)'),
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


class DataPaths(NamedTuple):
    """What one dataset of a config reads, for the pre-flight check: folders that must exist,
    list files that must exist (and what to do when one is missing), and whether the folders'
    files are checked to be images. A dataset class that reads through list files says so with
    a ``data_paths(dataset_cfg: dict) -> DataPaths`` static method; others read every image
    under ``data_root`` joined with each ``data_prefix``."""
    folders: List[str]
    list_files: Sequence[str] = ()
    missing_list_hint: str = ''
    walk: bool = True


def dataset_data_paths(dataset: dict) -> DataPaths:
    """The :class:`DataPaths` of one dataset config dict."""
    from mmseg.registry import DATASETS

    dataset_type = dataset.get('type')
    cls = DATASETS.get(dataset_type) if isinstance(dataset_type, str) else dataset_type
    if cls is not None and hasattr(cls, 'data_paths'):
        return cls.data_paths(dataset)
    root = dataset.get('data_root', '') or ''
    prefixes = dataset.get('data_prefix', {}) or {}
    return DataPaths([osp.join(root, p) for p in prefixes.values() if p] or [root])


def iter_data_paths(cfg: Config, keys: Sequence[str] = DATALOADER_KEYS
                    ) -> Iterator[Tuple[str, dict, DataPaths]]:
    """Yield ``(dataloader key, dataset config, its DataPaths)`` for each dataset of the
    dataloaders ``keys``, through dataset wrappers."""
    for key in keys:
        loader = cfg.get(key)
        if loader:
            for dataset in _datasets(loader.get('dataset', {})):
                yield key, dataset, dataset_data_paths(dataset)


IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')
_IMAGE_MAGIC = (b'\x89PNG\r\n\x1a\n', b'\xff\xd8\xff', b'BM', b'II*\x00', b'MM\x00*')


def image_file_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be an image, judged from its first bytes, or None if it can be."""
    with open(path, 'rb') as f:
        head = f.read(16)
    if not head:
        return 'an empty file'
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b'RIFF' and head[8:12] == b'WEBP'):
        return None
    return f'not an image (starts with {head[:8]!r})'


def check_data_files(folder: str) -> None:
    """Raise :class:`InputError` for the files under ``folder`` with an image extension that
    are not images (reading only their first bytes, so it stays quick even for ADE20K)."""
    bad = []
    for parent, subfolders, names in os.walk(folder):
        subfolders.sort()
        for name in sorted(names):
            if name.lower().endswith(IMAGE_EXTENSIONS):
                path = osp.join(parent, name)
                problem = image_file_problem(path)
                if problem:
                    bad.append((path, problem))
    if bad:
        others = f' (and {len(bad) - 1} more)' if len(bad) > 1 else ''
        raise InputError(f'{bad[0][0]}: {bad[0][1]}{others}; replace it with the real image or '
                         f'remove it from {folder}')


def check_data_roots(cfg: Config, keys: Sequence[str] = DATALOADER_KEYS) -> None:
    """Raise ``FileNotFoundError`` (one line) for the first missing data folder or list file of
    the dataloaders ``keys`` of ``cfg``, and :class:`InputError` for a file in them that is not
    an image. Datasets read through list files may keep their folders from being walked (MSeg:
    its datasets read only the files their lists name, among hundreds of thousands of others)."""
    walk = []
    for key, dataset, paths in iter_data_paths(cfg, keys):
        dataset_type = dataset.get('type', '?')
        dataset_type = getattr(dataset_type, '__name__', str(dataset_type))  # a name or a class
        for folder in paths.folders:
            if folder and not osp.isdir(folder):
                hint = HOW_TO_GET.get(dataset_type, 'check data_root / data_prefix in the config')
                raise FileNotFoundError(
                    f'{key}: data folder not found: {folder} ({dataset_type}); '
                    + hint.format(root=dataset.get('data_root', folder)))
        for path in paths.list_files:
            if not osp.isfile(path):
                hint = f'; {paths.missing_list_hint}' if paths.missing_list_hint else ''
                raise FileNotFoundError(f'{key}: list file not found: {path} ({dataset_type})'
                                        + hint)
        if paths.walk:
            walk += paths.folders
    for folder in dict.fromkeys(walk):
        if folder:
            check_data_files(folder)


def set_data_root(cfg: Config, data_root: str) -> None:
    """Point every dataset of every dataloader at ``data_root`` (the tools' ``--data-root``)."""
    for key in DATALOADER_KEYS:
        loader = cfg.get(key)
        if loader:
            for dataset in _datasets(loader.get('dataset', {})):
                dataset['data_root'] = data_root
