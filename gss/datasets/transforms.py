"""Data transforms."""
from mmseg.datasets.transforms import Resize
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ResizeAsOriginal(Resize):
    """Resize image and labels (labels with nearest) and treat the result as the original.

    mmseg resizes predictions back to ``ori_shape``, the size of the file on disk, and compares
    them with the labels as loaded. To train and evaluate at a reduced resolution (CamVid at
    180x240 on a CPU), load the annotations, then apply this transform: the labels are resized
    with the image and ``ori_shape`` becomes the resized shape, so predictions and metrics are
    at that resolution.
    """

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        results['ori_shape'] = results['img_shape']
        return results
