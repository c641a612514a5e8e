"""The built-in toy scenes dataset (see :mod:`gss.datasets.toy_scenes_generator`)."""
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from gss.datasets.toy_scenes_generator import CLASSES


@DATASETS.register_module()
class ToyScenesDataset(BaseSegDataset):
    """Synthetic scenes written by ``tools/generate_toy_dataset.py``.

    Layout: ``img_dir/{train,val}/*.png`` (RGB) and ``ann_dir/{train,val}/*.png`` (labels
    0-6, 255 = ignore).
    """

    METAINFO = dict(
        classes=CLASSES,
        palette=[[0, 0, 0], [230, 60, 60], [240, 180, 40], [60, 90, 230], [40, 200, 220],
                 [60, 200, 60], [230, 230, 230]])

    def __init__(self, img_suffix: str = '.png', seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         reduce_zero_label=False, **kwargs)
