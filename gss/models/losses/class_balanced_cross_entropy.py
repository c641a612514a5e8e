"""Cross-entropy in which every class present in the batch weighs the same.

Plain cross-entropy averages over pixels, so a class covering 0.3 % of the pixels (CamVid's
pole, sign, bicyclist) contributes 0.3 % of the gradient; a learned X^-1 trained that way gives
those pixels to their large neighbours. Here each present class's pixels are averaged first,
then the classes: the weights adapt to every batch, and a class absent from it costs nothing.
(mmseg 1.2.2's fixed ``class_weight`` cannot be used with ignored targets.)
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn


def class_balanced_cross_entropy(logits: Tensor, label: Tensor, ignore_index: int = 255) -> Tensor:
    """Mean over the classes present in ``label`` of their pixels' mean cross-entropy.

    Args:
        logits: (N, K, ...) scores.
        label: (N, ...) class indices; ``ignore_index`` (and anything outside [0, K)) is left out.
    """
    num_classes = logits.shape[1]
    per_pixel = F.cross_entropy(logits, label.clamp(0, num_classes - 1), reduction='none')
    valid = (label != ignore_index) & (label >= 0) & (label < num_classes)
    if not valid.any():
        return logits.sum() * 0
    classes = label[valid]
    sums = per_pixel.new_zeros(num_classes).index_add(0, classes, per_pixel[valid])
    counts = torch.bincount(classes, minlength=num_classes).to(sums)
    present = counts > 0
    return (sums[present] / counts[present]).mean()


@MODELS.register_module()
class ClassBalancedCrossEntropyLoss(nn.Module):
    """:func:`class_balanced_cross_entropy` as an mmseg ``loss_decode`` entry.

    Args:
        loss_name: the name it is logged (and, in the GSS heads, looked up) under.
        loss_weight: its weight.
    """

    def __init__(self, loss_name: str = 'loss_ce_balanced', loss_weight: float = 1.0) -> None:
        super().__init__()
        self._loss_name = loss_name
        self.loss_weight = loss_weight

    def forward(self, cls_score: Tensor, label: Tensor, weight: Optional[Tensor] = None,
                ignore_index: int = 255, **kwargs) -> Tensor:
        if weight is not None:
            raise ValueError('ClassBalancedCrossEntropyLoss takes no per-pixel weight')
        return self.loss_weight * class_balanced_cross_entropy(cls_score, label, ignore_index)

    @property
    def loss_name(self) -> str:
        return self._loss_name
