"""Boundary IoU (Cheng et al., CVPR 2021) of semantic segmentation, per class over a dataset.

The boundary band of a binary mask is the mask minus its erosion by a 3 x 3 square repeated d
times, d = max(1, round(0.02 * image diagonal)), with the outside of the image counted as
background, so that a mask cut by the image edge has a band along it. A class's boundary IoU
is |G_d & P_d| / |G_d | P_d| for its ground-truth and predicted bands, with intersection and
union summed over the dataset; mBIoU is the mean over the classes whose union is not 0.

Ignore pixels are masked after the bands are computed: they never count in a band, but a
class's ground-truth band does run along an ignore region (ignore is not the class). DDPS's
implementation (OpenGVLab/DDPS, ``mmseg_custom/core/evaluation/metrics.py``) counts its bands
over every pixel, ignore ones included, and does not floor d at 1.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable
from torch import Tensor

from gss.errors import InputError


def boundary_width_px(height: int, width: int, dilation_ratio: float = 0.02) -> int:
    """The band's width d: max(1, round(dilation_ratio * image diagonal)), as Cheng et al."""
    return max(1, int(round(dilation_ratio * math.hypot(height, width))))


def erode_masks(masks: Tensor, width_px: int) -> Tensor:
    """(K, H, W) binary masks -> their erosion by a 3 x 3 square repeated ``width_px`` times,
    the outside of the image counting as background.

    d 3 x 3 erosions are one erosion by a (2d + 1) square (a square's Minkowski sums are
    squares), and a square is a row times a column, so this is a min-pool along rows then
    along columns: 2(2d + 1) comparisons per pixel instead of 9d or (2d + 1)^2.
    """
    d, k = width_px, 2 * width_px + 1
    inverted = F.pad(1.0 - masks.float()[None], (d, d, d, d), value=1.0)
    eroded = 1.0 - F.max_pool2d(F.max_pool2d(inverted, (1, k), 1), (k, 1), 1)
    return eroded[0] > 0.5


def class_boundary_bands(masks: Tensor, width_px: int) -> Tensor:
    """(K, H, W) binary masks -> (K, H, W) bool boundary bands: each mask minus its erosion."""
    masks = masks.bool()
    return masks & ~erode_masks(masks, width_px)


def _any_in_windows(flags: Tensor, height: int, width: int) -> Tensor:
    """(h, w) bool -> (h - height + 1, w - width + 1): whether a ``height`` x ``width`` window
    holds a True, from an integral image (the cost does not grow with the window)."""
    sums = F.pad(flags.to(torch.int32).cumsum(0).cumsum(1), (1, 0, 1, 0))
    return (sums[height:, width:] - sums[:-height, width:] - sums[height:, :-width]
            + sums[:-height, :-width]) > 0


def boundary_band(labels: Tensor, width_px: int) -> Tensor:
    """(H, W) label map -> (H, W) bool: the boundary bands of all its classes at once.

    A pixel of class k is in the band of the mask ``labels == k`` exactly when its
    (2d + 1) window holds a pixel of another label or reaches outside the image, so
    ``boundary_band(labels, d) & (labels == k)`` equals ``class_boundary_bands`` of that mask
    (tested). One map replaces K eroded masks: its cost does not grow with the classes.
    """
    d, k = width_px, 2 * width_px + 1
    # -1 is no label, so the padding breaks every window that reaches outside the image.
    padded = F.pad(labels.to(torch.int32)[None], (d, d, d, d), value=-1)[0]
    across_columns = padded[:, 1:] != padded[:, :-1]  # (H + 2d, W + 2d - 1)
    across_rows = padded[1:] != padded[:-1]  # (H + 2d - 1, W + 2d)
    return _any_in_windows(across_columns, k, k - 1) | _any_in_windows(across_rows, k - 1, k)


def boundary_intersect_and_union(pred: Tensor, label: Tensor, num_classes: int,
                                 ignore_index: int = 255,
                                 dilation_ratio: float = 0.02) -> Tuple[Tensor, Tensor]:
    """Per-class pixel counts of one image's boundary bands.

    Args:
        pred: (H, W) predicted classes.
        label: (H, W) ground truth; ``ignore_index`` pixels are in neither band.
        num_classes: K.
        ignore_index: the label of pixels left out.
        dilation_ratio: the band's width as a share of the image diagonal.

    Returns:
        (K,) int64 |G_d & P_d| and (K,) int64 |G_d | P_d| per class, on the CPU.
    """
    width_px = boundary_width_px(label.shape[-2], label.shape[-1], dilation_ratio)
    pred, label = pred.long(), label.to(pred.device).long()
    valid = label != ignore_index
    gt_band = boundary_band(label, width_px) & valid
    pred_band = boundary_band(pred, width_px) & valid

    def count(classes: Tensor) -> Tensor:
        return torch.bincount(classes, minlength=num_classes)[:num_classes].cpu()

    intersection = count(label[gt_band & pred_band & (pred == label)])
    union = count(label[gt_band]) + count(pred[pred_band]) - intersection
    return intersection, union


@METRICS.register_module()
class BoundaryIoUMetric(BaseMetric):
    """Boundary IoU per class over the dataset and their mean, ``mBIoU`` (in percent).

    Scores each sample's ``pred_sem_seg`` against its ``gt_sem_seg`` (the pairs mmseg's
    IoUMetric scores) through :func:`boundary_intersect_and_union`; only the per-class sums
    of each batch are kept. Classes whose union is 0 over the dataset are left out of the
    mean, as mIoU leaves out classes absent from labels and predictions.

    Args:
        ignore_index: label of the pixels in neither band.
        dilation_ratio: the band's width d as a share of the image diagonal (d >= 1 pixel).
    """

    def __init__(self, ignore_index: int = 255, dilation_ratio: float = 0.02,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not isinstance(dilation_ratio, (int, float)) or not 0 < dilation_ratio < 1:
            raise InputError(f'BoundaryIoUMetric: dilation_ratio {dilation_ratio!r} must be a '
                             f'number in (0, 1) (the band width over the image diagonal; '
                             f'Cheng et al.: 0.02)')
        self.ignore_index = ignore_index
        self.dilation_ratio = dilation_ratio

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        num_classes = len(self.dataset_meta['classes'])
        sums = torch.zeros(2, num_classes, dtype=torch.int64)
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'][0]
            label = sample['gt_sem_seg']['data'][0]
            intersection, union = boundary_intersect_and_union(
                pred, label, num_classes, self.ignore_index, self.dilation_ratio)
            sums[0] += intersection
            sums[1] += union
        self.results.append(sums)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        intersection, union = torch.stack(results).sum(0).double()
        class_biou = (intersection / union).numpy()  # NaN where the union is 0
        table = PrettyTable()
        table.add_column('Class', list(self.dataset_meta['classes']))
        table.add_column('BIoU', np.round(class_biou * 100, 2).tolist())
        logger: MMLogger = MMLogger.get_current_instance()
        print_log(f'per class boundary IoU (band: {self.dilation_ratio:g} x image diagonal):'
                  f'\n{table.get_string()}', logger=logger)
        mean = float(np.nanmean(class_biou)) if np.isfinite(class_biou).any() else float('nan')
        return OrderedDict(mBIoU=round(mean * 100, 2))
