"""Per-class reductions of (B, K, H, W) maps, exact and fast on the CPU.

``Tensor.argmax(1)`` and ``F.one_hot(...).permute(0, 3, 1, 2)`` are slow on CPU tensors in the
NCHW layout: the class axis is not the contiguous one. GSS takes both at the maskige's
resolution (2x the crop) on every training step and test image, where they cost more than the
token classifier (measured in ``tools/benchmarks/train_speed.py``). These give the same results
with elementwise passes over the K class planes instead.
"""
from __future__ import annotations

import torch
from torch import Tensor


@torch.no_grad()
def argmax_over_classes(scores: Tensor) -> Tensor:
    """``scores.argmax(1)`` for (B, K, ...) scores: the first maximum on ties, as torch.

    On the CPU it keeps a running maximum over the K planes (several times faster at K = 11-150
    on maskige-sized maps); elsewhere it is torch's own kernel. NaN scores are not supported
    (torch would pick them; here they never win).
    """
    if scores.device.type != 'cpu' or scores.dim() < 3:
        return scores.argmax(1)
    best = scores[:, 0].clone()
    index = torch.zeros(best.shape, dtype=torch.long)
    greater = torch.empty(best.shape, dtype=torch.bool)
    for k in range(1, scores.size(1)):
        plane = scores[:, k]
        torch.gt(plane, best, out=greater)  # strictly greater: earlier classes win ties
        torch.maximum(best, plane, out=best)
        index.masked_fill_(greater, k)
    return index


def one_hot_classes(labels: Tensor, num_classes: int) -> Tensor:
    """(B, H, W) labels -> (B, K, H, W) float one-hot, contiguous; labels outside [0, K) are
    all-zero columns (``F.one_hot`` would refuse them)."""
    classes = torch.arange(num_classes, device=labels.device)
    classes = classes.view(1, -1, *([1] * (labels.dim() - 1)))
    return (labels.unsqueeze(1) == classes).float()
