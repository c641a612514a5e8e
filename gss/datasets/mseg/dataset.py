"""The MSeg datasets as mmseg datasets: one class, parameterised by the dataset's MSeg name."""
from __future__ import annotations

import os.path as osp
from typing import List, Optional, Tuple

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from gss.datasets.data_roots import DataPaths
from gss.datasets.mseg.taxonomy import (class_names_file, dataset_classes, dataset_info,
                                        universal_classes)
from gss.errors import InputError

#: Where mseg-api's lists are, relative to the MSeg data root: beside it, as ``data/mseg_lists``
#: beside ``data/mseg_dataset``.
LISTS_BESIDE_DATA_ROOT = '../mseg_lists'


def resolve_lists_root(data_root: str, lists_root: Optional[str] = None) -> str:
    """mseg-api's lists folder for the MSeg data root ``data_root``: ``lists_root`` as it is if
    absolute, else joined to ``data_root`` (default: ``<data_root>/../mseg_lists``).

    Relative to the data root, not to the working directory, so that ``--data-root`` moves the
    lists with the data and a tool finds them from any folder. The join is lexical
    (``normpath``): with ``data/mseg_dataset`` a link to ``MSEG_DST_DIR/mseg_dataset``, the
    lists are ``data/mseg_lists``, beside the link, not beside its target.
    """
    lists_root = LISTS_BESIDE_DATA_ROOT if lists_root is None else lists_root
    if osp.isabs(lists_root):
        return lists_root
    return osp.normpath(osp.join(data_root, lists_root))


def sample_source(sample: dict, lists_root: Optional[str], user: str) -> Tuple[str, str]:
    """The MSeg set a sample comes from and the lists folder that maps it, from the metainfo
    MSegDataset gives every sample (``lists_root``, if set, instead of the sample's).

    Raises:
        InputError: the sample lacks them; ``user`` (the transform or metric) names who needs
            them.
    """
    where = sample.get('seg_map_path') or sample.get('img_path') or 'a sample'
    name, lists_root = sample.get('mseg_dataset'), lists_root or sample.get('mseg_lists_root')
    for key, value in (('mseg_dataset', name), ('mseg_lists_root', lists_root)):
        if value is None:
            raise InputError(f'{where}: no {key} in its metainfo (and no {user} lists_root); '
                             f'read the data with MSegDataset and pack it with '
                             f"PackSegInputs(meta_keys=(..., 'mseg_dataset', 'mseg_lists_root'))")
    return name, lists_root


def split_list_file(lists_root: str, name: str, split: str) -> str:
    """mseg-api's split list of dataset ``name``: ``<lists_root>/<name>/list/<split>.txt``."""
    return osp.join(lists_root, name, 'list', f'{split}.txt')


@DATASETS.register_module()
class MSegDataset(BaseSegDataset):
    """One of MSeg's seven training or six test datasets, read through mseg-api's split lists.

    Each line of ``<lists_root>/<dataset_name>/list/<split>.txt`` is ``IMAGE LABEL``, both
    relative to the dataset's folder under ``data_root`` (``MSEG_DST_DIR/mseg_dataset``; the
    folders are those of mseg-api's download and remapping scripts). A training set's classes
    are the universal taxonomy (:class:`~gss.datasets.mseg.ToMSegTaxonomy` maps its labels
    there); a test set keeps its own classes, and predictions are mapped to them when scored
    (:class:`~gss.evaluation.MSegMetric`). Every sample carries ``mseg_dataset``, its dataset's
    name, and ``mseg_lists_root``, the resolved lists folder (so the label transform and the
    metric read the lists the dataset read).

    Args:
        dataset_name: the MSeg name, e.g. ``'ade20k-150-relabeled'`` or ``'camvid-11'``.
        split: the list to read (``'train'`` or ``'val'``; MSeg evaluates test sets on ``val``).
        lists_root: mseg-api's ``mseg/dataset_lists`` folder (or a copy); a relative path is
            relative to ``data_root`` (:func:`resolve_lists_root`; default: beside it).
        data_root: ``MSEG_DST_DIR/mseg_dataset``.
    """

    METAINFO: dict = {}  # per instance: the universal classes or the test set's own

    def __init__(self, dataset_name: str, split: str = 'train',
                 lists_root: str = LISTS_BESIDE_DATA_ROOT,
                 data_root: str = 'data/mseg_dataset', **kwargs) -> None:
        info = dataset_info(dataset_name)
        self.dataset_name = dataset_name
        lists_root = resolve_lists_root(data_root, lists_root)
        self.lists_root = lists_root
        classes = universal_classes() if info.role == 'train' \
            else dataset_classes(lists_root, dataset_name)
        list_file = split_list_file(lists_root, dataset_name, split)
        if not osp.isfile(list_file):
            raise InputError(f'{list_file}: missing split list of {dataset_name}; link mseg-api\'s '
                             f'mseg/dataset_lists folder to {lists_root} (docs/datasets.md: MSeg)')
        super().__init__(ann_file=osp.abspath(list_file), metainfo=dict(classes=classes),
                         data_root=osp.join(data_root, info.folder), reduce_zero_label=False,
                         **kwargs)

    @staticmethod
    def data_paths(dataset_cfg: dict) -> DataPaths:
        """For the tools' pre-flight check: the dataset's own folder under the MSeg root and
        the class and split lists it is read through. The folder is not walked: the lists name
        the few files read among hundreds of thousands (the originals beside the remapped
        labels)."""
        name = dataset_cfg.get('dataset_name', '')
        data_root = dataset_cfg.get('data_root', 'data/mseg_dataset')
        lists_root = resolve_lists_root(data_root, dataset_cfg.get('lists_root'))
        folder = osp.join(data_root, dataset_info(name).folder)
        lists = [class_names_file(lists_root, name),
                 split_list_file(lists_root, name, dataset_cfg.get('split', 'train'))]
        return DataPaths([folder], lists, f"link mseg-api's mseg/dataset_lists folder to "
                         f'{lists_root} (docs/datasets.md: MSeg)', walk=False)

    def load_data_list(self) -> List[dict]:
        data_list = []
        with open(self.ann_file, encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                if len(fields) != 2:
                    raise InputError(f'{self.ann_file}, line {number}: expected "IMAGE LABEL" '
                                     f'(two paths), got {line.strip()!r}')
                data_list.append(dict(
                    img_path=osp.join(self.data_root, fields[0]),
                    seg_map_path=osp.join(self.data_root, fields[1]),
                    label_map=None, reduce_zero_label=False, seg_fields=[],
                    mseg_dataset=self.dataset_name, mseg_lists_root=self.lists_root))
        if not data_list:
            raise InputError(f'{self.ann_file}: lists no samples')
        return data_list
