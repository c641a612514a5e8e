"""CamVid, 11-class version (SegNet split), as laid out in ``datasets/camvid``."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from ..errors import InputError

CAMVID_VOID_LABEL = 11


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid with 11 classes; the stored label 11 (void) is read as ignore (255).

    Layout (as distributed with SegNet): ``train/``, ``trainannot/``, ``val/``, ``valannot/``
    with identically named 360x480 PNGs; pass ``data_prefix=dict(img_path='train',
    seg_map_path='trainannot')``.

    Every file name starts with the drive (video sequence) it was filmed on: ``0001TP``,
    ``0006R0``, ``0016E5``, ``Seq05VD``. ``drives`` keeps only the listed drives and
    ``exclude_drives`` drops the listed ones, so that a whole drive can be held out of training
    and evaluated on its own (``configs/_base_/datasets/camvid_180x240_heldout-0006R0.py``).
    """

    METAINFO = dict(
        classes=('sky', 'building', 'pole', 'road', 'sidewalk', 'tree', 'sign', 'fence', 'car',
                 'pedestrian', 'bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [0, 0, 192],
                 [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])

    def __init__(self, img_suffix: str = '.png', seg_map_suffix: str = '.png',
                 drives: Optional[Sequence[str]] = None,
                 exclude_drives: Sequence[str] = (), **kwargs) -> None:
        self.drives = None if drives is None else list(drives)
        self.exclude_drives = list(exclude_drives)
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         reduce_zero_label=False, **kwargs)

    @classmethod
    def get_label_map(cls, new_classes: Optional[Sequence] = None) -> Dict[int, int]:
        """Upstream class-subset mapping, plus void (stored as 11) -> ignore."""
        label_map = super().get_label_map(new_classes)
        if label_map is None:  # identity entries keep mmseg's palette update working
            label_map = {i: i for i in range(len(cls.METAINFO['classes']))}
        label_map[CAMVID_VOID_LABEL] = 255
        return label_map

    def load_data_list(self) -> List[dict]:
        """The samples of the folder, restricted to ``drives`` and without ``exclude_drives``."""
        data_list = super().load_data_list()
        if self.drives is None and not self.exclude_drives:
            return data_list
        found = sorted({drive_of(sample['img_path']) for sample in data_list})
        for key, names in (('drives', self.drives or []), ('exclude_drives', self.exclude_drives)):
            for name in names:
                if name not in found:
                    raise InputError(f'CamVidDataset {key}: no image of drive {name!r} in '
                                     f'{self.data_prefix["img_path"]}; its drives are '
                                     f'{", ".join(found)}')
        return [sample for sample in data_list
                if (self.drives is None or drive_of(sample['img_path']) in self.drives)
                and drive_of(sample['img_path']) not in self.exclude_drives]


def drive_of(path: str) -> str:
    """The drive (video sequence) of a CamVid file: the part of its name before the first ``_``."""
    return osp.basename(path).split('_', 1)[0]
