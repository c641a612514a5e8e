"""CamVid, 11-class version (SegNet split), as laid out in ``datasets/camvid``."""
from typing import Dict, Optional, Sequence

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

CAMVID_VOID_LABEL = 11


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid with 11 classes; the stored label 11 (void) is read as ignore (255).

    Layout (as distributed with SegNet): ``train/``, ``trainannot/``, ``val/``, ``valannot/``
    with identically named 360x480 PNGs; pass ``data_prefix=dict(img_path='train',
    seg_map_path='trainannot')``.
    """

    METAINFO = dict(
        classes=('sky', 'building', 'pole', 'road', 'sidewalk', 'tree', 'sign', 'fence', 'car',
                 'pedestrian', 'bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [0, 0, 192],
                 [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])

    def __init__(self, img_suffix: str = '.png', seg_map_suffix: str = '.png',
                 **kwargs) -> None:
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
