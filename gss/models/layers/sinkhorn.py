"""Sinkhorn-Knopp assignment of pixels to their class's sub-centres (GMMSeg, ProtoSeg).

Each class's pixels are spread over the class's M sub-centres (Gaussian components or
prototypes) under an equal-partition constraint: every sub-centre receives 1/M of the class's
pixels. Both originals run Sinkhorn class by class in a Python loop; here all classes run at once,
each pixel normalised within its own class, in the log domain (no overflow at eps 0.05).
"""
import math

import torch
from torch import Tensor


def class_logsumexp(values: Tensor, labels: Tensor, num_classes: int) -> Tensor:
    """log sum_{i: labels_i = c} exp(values_i) for every class c: (N, M) -> (C, M).

    Classes without pixels get -inf.
    """
    index = labels[:, None].expand_as(values)
    peak = values.new_full((num_classes, values.shape[1]), float('-inf'))
    peak = peak.scatter_reduce(0, index, values, reduce='amax', include_self=True)
    safe_peak = torch.where(torch.isfinite(peak), peak, torch.zeros_like(peak))
    total = values.new_zeros(peak.shape).index_add_(0, labels, (values - safe_peak[labels]).exp())
    return safe_peak + total.log()


def class_sinkhorn(scores: Tensor, labels: Tensor, num_classes: int, eps: float = 0.05,
                   iters: int = 3) -> Tensor:
    """Soft assignment (N, M) of each pixel to its class's M sub-centres; rows sum to 1.

    Args:
        scores: (N, M) score of every pixel under each sub-centre of its own class.
        labels: (N,) class of every pixel, in [0, num_classes).
        eps: entropic regularisation (the originals' 0.05).
        iters: alternating normalisations (the originals' 3).

    Per class c with n_c pixels this is the originals' iteration: Q = exp(scores / eps)
    normalised to total mass 1, then ``iters`` times: every sub-centre's mass set to 1/M, every
    pixel's mass set to 1/n_c; finally rows scaled by n_c.
    """
    num_sub = scores.shape[1]
    counts = torch.bincount(labels, minlength=num_classes).to(scores.dtype)
    log_n = counts.clamp(min=1).log()[labels][:, None]
    log_q = scores / eps
    log_q = log_q - class_logsumexp(log_q, labels, num_classes).logsumexp(1)[labels][:, None]
    for _ in range(iters):
        log_q = log_q - class_logsumexp(log_q, labels, num_classes)[labels] - math.log(num_sub)
        log_q = log_q - log_q.logsumexp(1, keepdim=True) - log_n
    return (log_q + log_n).exp()
