"""MSeg's universal taxonomy and how each of its datasets relates to it.

MSeg (Lambert et al., CVPR 2020) relabels seven training datasets so that their classes are
classes of one universal taxonomy of 194, and evaluates a universal model on six test datasets
in their own taxonomies. Both relations come from one table, ``MSeg_master.tsv`` (shipped here
verbatim from mseg-api, ``mseg/class_remapping_files``): one row per universal class (the last
row, ``unlabeled``, is the ignore label), one column per dataset naming that dataset's class.

- A relabeled training set's label ``i`` is the ``i``-th name of its ``<name>_names.txt``
  (mseg-api's ``dataset_lists``); that name is a universal class, so training labels map
  one-to-one into the universal taxonomy (:func:`universal_label_table`).
- A test set's class collects every universal class whose row names it (for example CamVid's
  ``Bicyclist`` <- ``bicyclist`` and ``bicycle``); universal classes it does not name have no
  test class. Predictions are mapped, labels are not: the universal probabilities of a test
  class's sources are summed, then the arg-max is taken (MSeg's protocol;
  :func:`universal_to_test_matrix`).
"""
from __future__ import annotations

import csv
import functools
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np
import torch
from torch import Tensor

from gss.errors import InputError

TAXONOMY_TSV = osp.join(osp.dirname(osp.abspath(__file__)), 'MSeg_master.tsv')
IGNORE = 255


@dataclass(frozen=True)
class MSegDatasetInfo:
    """Where an MSeg dataset lives under ``MSEG_DST_DIR/mseg_dataset`` and what it is for."""

    folder: str
    role: str  # 'train' (labels relabeled to universal classes) or 'test' (own taxonomy)


# mseg-api's dataset roots (mseg/utils/dataset_config.py); the list files' paths are relative
# to them.
MSEG_DATASETS: Dict[str, MSegDatasetInfo] = {
    'ade20k-150-relabeled': MSegDatasetInfo('ADE20K/ADEChallengeData2016', 'train'),
    'bdd-relabeled': MSegDatasetInfo('BDD/bdd100k', 'train'),
    'cityscapes-19-relabeled': MSegDatasetInfo('Cityscapes', 'train'),
    'coco-panoptic-133-relabeled': MSegDatasetInfo('COCOPanoptic', 'train'),
    'idd-39-relabeled': MSegDatasetInfo('IDD/IDD_Segmentation', 'train'),
    'mapillary-public65-relabeled': MSegDatasetInfo('MapillaryVistasPublic', 'train'),
    'sunrgbd-37-relabeled': MSegDatasetInfo('SUNRGBD', 'train'),
    'voc2012': MSegDatasetInfo('PASCAL_VOC_2012', 'test'),
    'pascal-context-60': MSegDatasetInfo('PASCAL_Context', 'test'),
    'camvid-11': MSegDatasetInfo('Camvid', 'test'),
    'wilddash-19': MSegDatasetInfo('WildDash', 'test'),
    'kitti-19': MSegDatasetInfo('KITTI', 'test'),
    'scannet-20': MSegDatasetInfo('ScanNet/scannet_frames_25k', 'test'),
}
TRAIN_DATASETS = tuple(n for n, d in MSEG_DATASETS.items() if d.role == 'train')
TEST_DATASETS = tuple(n for n, d in MSEG_DATASETS.items() if d.role == 'test')


def dataset_info(name: str) -> MSegDatasetInfo:
    """The entry of ``name``, or one line listing the known names."""
    if name not in MSEG_DATASETS:
        raise InputError(f'unknown MSeg dataset {name!r}; known: {", ".join(MSEG_DATASETS)}')
    return MSEG_DATASETS[name]


@functools.lru_cache(maxsize=None)
def _taxonomy_rows() -> Tuple[Dict[str, str], ...]:
    """The table's rows; the last is ``unlabeled`` (ignore), which the class functions drop."""
    with open(TAXONOMY_TSV, newline='', encoding='utf-8') as f:
        rows = tuple(csv.DictReader(f, delimiter='\t'))
    assert rows[-1]['universal'] == 'unlabeled', TAXONOMY_TSV
    return rows


def universal_classes() -> Tuple[str, ...]:
    """The 194 universal class names, in label order (the ``unlabeled`` row is ignore)."""
    return tuple(row['universal'] for row in _taxonomy_rows()[:-1])


def class_names_file(lists_root: str, name: str) -> str:
    """mseg-api's class list of dataset ``name`` under ``lists_root`` (its ``dataset_lists``)."""
    return osp.join(lists_root, name, f'{name}_names.txt')


@functools.lru_cache(maxsize=None)
def dataset_classes(lists_root: str, name: str) -> Tuple[str, ...]:
    """Dataset ``name``'s classes in label order, from its ``<name>_names.txt``."""
    dataset_info(name)
    path = class_names_file(lists_root, name)
    if not osp.isfile(path):
        raise InputError(f'{path}: missing; MSeg\'s class lists come with mseg-api: link its '
                         f'mseg/dataset_lists folder to {lists_root} (docs/datasets.md: MSeg)')
    with open(path, encoding='utf-8') as f:
        names = tuple(line.strip() for line in f if line.strip())
    if not names:
        raise InputError(f'{path}: holds no class names')
    return names


def _column(name: str) -> List[str]:
    return [row[name].strip() for row in _taxonomy_rows()[:-1]]


def universal_label_table(lists_root: str, name: str) -> np.ndarray:
    """(256,) uint8 lookup table: a training set's label -> universal label.

    Values that are not a class of the dataset map to the ignore label; the transform that
    applies the table refuses them first (:class:`~gss.datasets.mseg.ToMSegTaxonomy`).
    """
    if dataset_info(name).role != 'train':
        raise InputError(f'{name} is an MSeg test set: its labels stay in its own taxonomy')
    column = _column(name)
    classes = dataset_classes(lists_root, name)
    unknown = [c for c in classes if c not in column]
    if unknown:
        raise InputError(f'{class_names_file(lists_root, name)}: class(es) '
                         f'{", ".join(unknown[:5])} are not in MSeg_master.tsv\'s {name} column; '
                         f'use the class lists of the mseg-api version the data was remapped with')
    table = np.full(256, IGNORE, dtype=np.uint8)
    for label, cls in enumerate(classes):
        table[label] = column.index(cls)
    return table


def universal_to_test_matrix(lists_root: str, name: str) -> Tensor:
    """(T, 194) 0/1 matrix of test set ``name``: row t marks the universal sources of test
    class t. A universal class marks at most one test class; one marking none is dropped."""
    if dataset_info(name).role != 'test':
        raise InputError(f'{name} is an MSeg training set: its labels map to universal classes')
    classes = dataset_classes(lists_root, name)
    column = _column(name)
    unknown = sorted({c for c in column if c and c not in classes})
    if unknown:
        raise InputError(f'{class_names_file(lists_root, name)}: lacks class(es) '
                         f'{", ".join(unknown[:5])} that MSeg_master.tsv\'s {name} column names; '
                         f'use the class lists of the mseg-api version the data was remapped with')
    matrix = torch.zeros(len(classes), len(column))
    for universal, cls in enumerate(column):
        if cls:
            matrix[classes.index(cls), universal] = 1.0
    return matrix
