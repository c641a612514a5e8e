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
from typing import Iterator, List, Optional, Sequence, Tuple

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


def _mseg_paths(dataset: dict) -> Tuple[str, List[str]]:
    """An MSeg dataset's folder and the list files it is read through (its class list and
    split list, from mseg-api's ``dataset_lists``)."""
    from gss.datasets.mseg.dataset import split_list_file
    from gss.datasets.mseg.taxonomy import class_names_file, dataset_info

    name = dataset.get('dataset_name', '')
    lists_root = dataset.get('lists_root', 'data/mseg_lists')
    folder = osp.join(dataset.get('data_root', 'data/mseg_dataset'), dataset_info(name).folder)
    return folder, [class_names_file(lists_root, name),
                    split_list_file(lists_root, name, dataset.get('split', 'train'))]


def iter_data_folders(cfg: Config, keys: Sequence[str] = DATALOADER_KEYS
                      ) -> Iterator[Tuple[str, str, str]]:
    """Yield ``(dataloader key, dataset type, folder)`` for each image and label folder of the
    dataloaders ``keys`` (an MSeg dataset: its own folder under the MSeg root)."""
    for key in keys:
        loader = cfg.get(key)
        if not loader:
            continue
        for dataset in _datasets(loader.get('dataset', {})):
            if dataset.get('type') == 'MSegDataset':
                yield key, 'MSegDataset', _mseg_paths(dataset)[0]
                continue
            root = dataset.get('data_root', '') or ''
            prefixes = dataset.get('data_prefix', {}) or {}
            folders = [osp.join(root, p) for p in prefixes.values() if p] or [root]
            for folder in folders:
                yield key, str(dataset.get('type', '?')), folder


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
    are not images (reading only their first bytes, so it takes a second even for ADE20K)."""
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
    an image. MSeg's folders are not walked: its datasets read only the files their lists name,
    among hundreds of thousands of others (the originals beside the remapped labels)."""
    walk = []
    for key, dataset_type, folder in iter_data_folders(cfg, keys):
        if folder and not osp.isdir(folder):
            root = osp.dirname(osp.dirname(folder)) if dataset_type == 'ToyScenesDataset' \
                else folder
            hint = HOW_TO_GET.get(dataset_type, 'check data_root / data_prefix in the config')
            raise FileNotFoundError(
                f'{key}: data folder not found: {folder} ({dataset_type}); '
                + hint.format(root=root))
        if dataset_type != 'MSegDataset':
            walk.append(folder)
    for key in keys:
        for dataset in _datasets((cfg.get(key) or {}).get('dataset', {})):
            if dataset.get('type') != 'MSegDataset':
                continue
            for path in _mseg_paths(dataset)[1]:
                if not osp.isfile(path):
                    raise FileNotFoundError(
                        f'{key}: MSeg list not found: {path}; link mseg-api\'s '
                        f'mseg/dataset_lists folder there (docs/datasets.md: MSeg)')
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
