"""Data transforms."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.datasets.transforms import Resize
from mmseg.registry import TRANSFORMS

from gss.errors import InputError


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


def refuse_unknown_labels(labels: np.ndarray, num_classes: int, ignore_index: int, path: str,
                          what_to_do: str, classes_of: str = 'a class') -> None:
    """One line naming ``path`` if ``labels`` hold values that are neither a class
    (0..num_classes-1) nor ``ignore_index``."""
    values = np.unique(labels)
    bad = values[((values < 0) | (values >= num_classes)) & (values != ignore_index)]
    if bad.size:
        shown = ', '.join(str(int(v)) for v in bad[:5]) + (' ...' if bad.size > 5 else '')
        raise InputError(f'{path}: label value(s) {shown} are neither {classes_of} '
                         f'(0-{num_classes - 1}) nor ignore ({ignore_index}); {what_to_do}')


@TRANSFORMS.register_module()
class CheckLabelValues(BaseTransform):
    """Refuse a label map holding values that are neither a class nor the ignore index.

    mmseg's metric silently drops such pixels and the loss fails with "Target 200 is out of
    bounds" without naming the file. Place it right after ``LoadAnnotations``, which has
    already applied the dataset's documented mappings (``label_map``, ``reduce_zero_label``).
    Samples without labels (inference on images) pass unchanged.

    Args:
        num_classes: K; valid labels are 0..K-1.
        ignore_index: the label of unlabelled pixels.
    """

    def __init__(self, num_classes: int, ignore_index: int = 255) -> None:
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        labels = results.get('gt_seg_map')
        if labels is None:  # inference: mmseg's inference_model drops LoadAnnotations
            return results
        refuse_unknown_labels(labels, self.num_classes, self.ignore_index,
                              results.get('seg_map_path', 'label map'),
                              'fix the file, or map them in the dataset config (label_map, '
                              'reduce_zero_label)')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')


@TRANSFORMS.register_module()
class KeepLabelsAsLoaded(BaseTransform):
    """Let later resizes and flips leave the labels as they are (test-time augmentation of a
    dataset evaluated at a reduced resolution: every view is scored against the same labels).

    mmseg's geometric transforms act on the keys listed in ``seg_fields``; this takes the labels
    off that list, so they keep the shape ``ori_shape`` says predictions are resized to.
    """

    def transform(self, results: dict) -> dict:
        results['seg_fields'] = [key for key in results.get('seg_fields', [])
                                 if key != 'gt_seg_map']
        return results
