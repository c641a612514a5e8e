"""Stage-1 reconstruction: GT mask -> X -> VQ-VAE encode/decode -> X^-1, as GSS measures it.

The GSS head tokenises the mask at twice its resolution (so DALL-E's 8x encoder yields a token
grid of 1/4 of the crop); the reconstruction upper bound goes through the same path. These
functions are shared by the reconstruction segmentor, the VQ-VAE trainer, the palette
refinement and the pictures, so that every figure is measured the same way.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from gss.maskige import Maskige
from gss.models.vqvae.base import FrozenVQVAE

IGNORE_INDEX = 255


def upsample_mask(mask: Tensor, scale: int = 2) -> Tensor:
    """(B, H, W) labels -> (B, sH, sW), as the GSS target path upsamples them.

    The original interpolates the one-hot mask bilinearly and takes the argmax. At an integer
    scale of 2 the nearest source pixel always carries weight 9/16 > 7/16 for the other three
    together, so that argmax is exactly nearest-neighbour upsampling, done here without the
    (B, K + 1, sH, sW) one-hot tensor.
    """
    return mask.repeat_interleave(scale, dim=1).repeat_interleave(scale, dim=2)


def _pad_to_multiple(maskige: Tensor, multiple: int, fill: Tensor) -> Tensor:
    height, width = maskige.shape[-2:]
    pad_h, pad_w = (-height) % multiple, (-width) % multiple
    if not (pad_h or pad_w):
        return maskige
    padded = fill.view(1, 3, 1, 1).to(maskige).expand(
        maskige.size(0), 3, height + pad_h, width + pad_w).clone()
    padded[:, :, :height, :width] = maskige
    return padded


@torch.no_grad()
def reconstruct_maskige(vqvae: FrozenVQVAE, maskige: Maskige, mask: Tensor,
                        scale: int = 2) -> Dict[str, Tensor]:
    """Run the stage-1 path on GT labels.

    Args:
        vqvae: the frozen tokeniser.
        maskige: the palette (X, X^-1).
        mask: (B, H, W) labels; values outside [0, K) are ignore.
        scale: upsampling before tokenising (2 in GSS).

    Returns:
        dict with ``input`` and ``reconstruction`` maskiges (B, 3, sH, sW), ``tokens``
        (B, ceil(sH/8), ceil(sW/8)) and ``scores`` (B, K, H, W): for each class, the fraction of
        the sH x sW pixels over each mask pixel that X^-1 gives it.
    """
    up = upsample_mask(mask, scale)
    target = maskige.to_maskige(up)
    height, width = target.shape[-2:]
    padded = _pad_to_multiple(target, vqvae.downsample, maskige.palette[-1])
    tokens = vqvae.encode(padded)
    reconstruction = vqvae.decode(tokens)[:, :, :height, :width].float()
    labels = maskige.to_mask(reconstruction)
    one_hot = F.one_hot(labels, maskige.num_classes).permute(0, 3, 1, 2).float()
    scores = F.avg_pool2d(one_hot, scale) if scale > 1 else one_hot
    return dict(input=target, reconstruction=reconstruction, tokens=tokens, scores=scores)


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


def reconstruction_iou(vqvae: FrozenVQVAE, maskige: Maskige, masks: Sequence[Tensor],
                       scale: int = 2, batch_size: int = 4,
                       accumulator: Optional[IoUAccumulator] = None) -> IoUAccumulator:
    """Stage-1 reconstruction IoU over (H, W) label tensors of any sizes."""
    acc = accumulator or IoUAccumulator(maskige.num_classes)
    by_shape: Dict[tuple, List[Tensor]] = {}
    for mask in masks:
        by_shape.setdefault(tuple(mask.shape), []).append(mask)
    for group in by_shape.values():
        for start in range(0, len(group), batch_size):
            batch = torch.stack(group[start:start + batch_size])
            scores = reconstruct_maskige(vqvae, maskige, batch, scale)['scores']
            acc.update(scores.argmax(1), batch)
    return acc
