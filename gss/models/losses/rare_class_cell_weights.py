"""Weights of GSS's token cells from the classes under them, so that rare classes count.

The token loss averages over cells, and a cell is mostly road, sky or building far more often
than it holds a pole, a sign or a pedestrian; GSS-FF loses most on exactly those classes. Each
class present in the batch gets the weight n_c^-power (n_c: its labelled pixels in the batch),
each cell the mean weight of its labelled pixels, normalised to mean 1 over the learned cells, so
the loss keeps its scale and power = 0 is the plain average.
"""
from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


@torch.no_grad()
def rare_class_cell_weights(labels: Tensor, grid: Tuple[int, int], num_classes: int,
                            power: float, learned: Tensor) -> Tensor:
    """(B, H, W) labels (outside [0, K): ignore) -> (B, *grid) cell weights.

    Args:
        labels: the ground truth at any resolution the grid divides into cells.
        grid: the token grid (h, w).
        num_classes: K.
        power: 0.5 weighs a class by the inverse square root of its pixel count.
        learned: (B, *grid) bool, the cells the loss averages over (the mean-1 normalisation).
    """
    valid = (labels >= 0) & (labels < num_classes)
    classes = labels[valid].long()
    counts = torch.bincount(classes, minlength=num_classes).float()
    class_weight = counts.clamp(min=1).pow(-power)
    pixel_weight = torch.zeros(labels.shape, device=labels.device)
    pixel_weight[valid] = class_weight[classes]
    weight_sum = F.adaptive_avg_pool2d(pixel_weight[:, None], grid)[:, 0]
    labelled = F.adaptive_avg_pool2d(valid[:, None].float(), grid)[:, 0]
    has_labels = labelled > 0
    weights = weight_sum / labelled.clamp(min=1e-12)
    reference = learned & has_labels
    if reference.any():
        weights = weights / weights[reference].mean()
    # A cell without labelled pixels (all filled by the pixel branch) weighs the mean.
    return torch.where(has_labels, weights, torch.ones_like(weights))
