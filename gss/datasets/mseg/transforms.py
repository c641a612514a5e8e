"""The label step of MSeg's pipelines."""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from gss.datasets.mseg.dataset import sample_source
from gss.datasets.mseg.taxonomy import IGNORE, dataset_classes, dataset_info, universal_label_table
from gss.datasets.transforms import refuse_unknown_labels


@TRANSFORMS.register_module()
class ToMSegTaxonomy(BaseTransform):
    """Put a sample's labels in the taxonomy it is trained or scored in.

    A training set's labels become universal labels (each class is one universal class, by
    name); a test set's stay as they are, since MSeg scores a test set in its own classes. Both
    are first checked: a value that is neither a class of the sample's dataset nor ignore
    stops with one line naming the file (MSeg's own lookup would silently turn it into
    universal class 0). Follows ``LoadAnnotations``; needs the sample's ``mseg_dataset`` and
    ``mseg_lists_root`` (:class:`~gss.datasets.mseg.MSegDataset` sets both).

    Args:
        lists_root: mseg-api's ``dataset_lists`` folder, for the datasets' class lists; None
            (the configs): the sample's ``mseg_lists_root``, the folder its dataset read.
    """

    def __init__(self, lists_root: Optional[str] = None) -> None:
        self.lists_root = lists_root
        self._tables: Dict[Tuple[str, str], np.ndarray] = {}

    def transform(self, results: dict) -> dict:
        labels = results.get('gt_seg_map')
        if labels is None:
            return results
        name, lists_root = sample_source(results, self.lists_root, 'ToMSegTaxonomy')
        refuse_unknown_labels(labels, len(dataset_classes(lists_root, name)), IGNORE,
                              results.get('seg_map_path', 'label map'),
                              'is the data remapped with the same mseg-api version as the '
                              'class lists?', classes_of=f'a class of {name}')
        if dataset_info(name).role == 'train':
            if (lists_root, name) not in self._tables:
                self._tables[lists_root, name] = universal_label_table(lists_root, name)
            results['gt_seg_map'] = self._tables[lists_root, name][labels]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(lists_root={self.lists_root!r})'
