"""Stage-1 reconstruction IoU: GT mask -> X -> VQ-VAE encode/decode -> X^-1, as GSS measures it.

The path itself is :meth:`gss.maskige.tokenizer.MaskigeTokenizer.reconstruct`, the
same that makes the GSS heads' targets; this module accumulates its IoU over many masks for
the VQ-VAE trainer and the palette refinement (the reconstruction segmentor evaluates it with
mmseg's IoUMetric instead).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from gss.maskige.tokenizer import MaskigeTokenizer
from gss.tensor_ops import argmax_over_classes

IGNORE_INDEX = 255


class IoUAccumulator:
    """Per-class intersection and union over many masks (ignore excluded), as mmseg's IoUMetric."""

    def __init__(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.intersection = np.zeros(num_classes, np.int64)
        self.union = np.zeros(num_classes, np.int64)

    def update(self, prediction: Tensor, target: Tensor) -> None:
        valid = (target >= 0) & (target < self.num_classes)
        pred, gt = prediction[valid].long(), target[valid].long()
        k = self.num_classes
        inter = torch.bincount(gt[pred == gt], minlength=k)
        area_pred = torch.bincount(pred, minlength=k)
        area_gt = torch.bincount(gt, minlength=k)
        self.intersection += inter.cpu().numpy()
        self.union += (area_pred + area_gt - inter).cpu().numpy()

    def per_class_iou(self) -> np.ndarray:
        """IoU in percent per class; NaN for a class absent from prediction and target."""
        with np.errstate(invalid='ignore', divide='ignore'):
            return 100.0 * self.intersection / self.union

    def miou(self) -> float:
        return float(np.nanmean(self.per_class_iou()))


def reconstruction_iou(tokenizer: MaskigeTokenizer, masks: Sequence[Tensor],
                       batch_size: int = 4,
                       accumulator: Optional[IoUAccumulator] = None) -> IoUAccumulator:
    """Stage-1 reconstruction IoU over (H, W) label tensors of any sizes."""
    acc = accumulator or IoUAccumulator(tokenizer.num_classes)
    by_shape: Dict[tuple, List[Tensor]] = {}
    for mask in masks:
        by_shape.setdefault(tuple(mask.shape), []).append(mask)
    for group in by_shape.values():
        for start in range(0, len(group), batch_size):
            batch = torch.stack(group[start:start + batch_size])
            acc.update(argmax_over_classes(tokenizer.reconstruct(batch)['scores']), batch)
    return acc
