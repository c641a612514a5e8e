"""The mask <-> token path of GSS, in one place: X and the VQ-VAE at GSS's resolution.

    mask (B, H, W) --nearest 2x--> (B, 2H, 2W) --X--> maskige (B, 3, 2H, 2W) --E_phi--> tokens
    tokens (B, h, w) --D_theta--> maskige (B, 3, 8h, 8w) --X^-1--> one class vote per pixel

GSS tokenises the mask at twice the crop's resolution, so that DALL-E's 8x encoder yields a
token grid of 1/4 of the crop, the resolution of the image network's token predictions. The
GSS heads (training targets and inference), stage-1 reconstruction, the palette refinement and
the maskige VQ-VAE trainer all go through :class:`MaskigeTokenizer`, so every figure and every
target is computed the same way.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gss.maskige.palette import Maskige
from gss.maskige.vqvae.base import FrozenVQVAE
from gss.tensor_ops import argmax_over_classes, one_hot_classes

# GSS tokenises the mask at twice the crop's resolution (Sec. 3.2 of the paper).
MASKIGE_SCALE = 2


def upsample_mask(mask: Tensor, size: Tuple[int, int]) -> Tensor:
    """(B, H, W) labels -> (B, *size) by nearest neighbour.

    The original interpolates the one-hot mask bilinearly and takes the argmax. At the usual
    exact scale of 2 the nearest source pixel always carries weight 9/16 > 7/16 for the other
    three together, so that argmax is exactly nearest-neighbour upsampling, done here without
    the (B, K + 1, sH, sW) one-hot tensor. Other sizes (a token grid that is not exactly a
    quarter of an odd crop) are nearest-neighbour too, so that every size follows one rule.
    """
    if tuple(mask.shape[-2:]) == tuple(size):
        return mask
    return F.interpolate(mask[:, None].float(), size=size, mode='nearest')[:, 0].to(mask.dtype)


def bilinear_argmax_at(logits: Tensor, where: Tensor, align_corners: bool = False) -> Tensor:
    """The class of ``logits`` (B, K, h, w) resized bilinearly to ``where``'s size (B, H, W),
    at ``where``'s True pixels only, in their row-major order: (N,) long.

    The same as ``F.interpolate(logits, (H, W), mode='bilinear').argmax(1)[where]`` (up to
    float rounding in exact ties) without the (B, K, H, W) map: only ignore pixels need the
    guess, a few percent of a real mask, while the full map and its argmax are a noticeable
    part of a CPU training step.
    """
    batch, rows, cols = where.nonzero(as_tuple=True)
    if batch.numel() == 0:
        return batch
    height, width = where.shape[-2:]
    # Normalised sampling positions of the output pixels' centres, as interpolate places them;
    # padding_mode='border' clamps at the edges, as interpolate does.
    if align_corners:
        grid_x = cols.float() * 2 / max(width - 1, 1) - 1
        grid_y = rows.float() * 2 / max(height - 1, 1) - 1
    else:
        grid_x = (cols.float() * 2 + 1) / width - 1
        grid_y = (rows.float() * 2 + 1) / height - 1
    counts = torch.bincount(batch, minlength=where.size(0))
    slot = torch.arange(batch.numel(), device=where.device) - (counts.cumsum(0) - counts)[batch]
    grid = logits.new_zeros((where.size(0), 1, int(counts.max()), 2), dtype=torch.float32)
    grid[batch, 0, slot] = torch.stack([grid_x, grid_y], 1)
    sampled = F.grid_sample(logits.float(), grid, mode='bilinear', padding_mode='border',
                            align_corners=align_corners)  # (B, K, 1, max count)
    return argmax_over_classes(sampled)[batch, 0, slot]


class MaskigeTokenizer(nn.Module):
    """The palette (X, X^-1) and a VQ-VAE (E_phi, D_theta), with GSS's 2x scale.

    Args:
        vqvae: the tokeniser; frozen in GSS (the VQ-VAE trainer passes a trainable one).
        maskige: the palette.
        scale: resolution of the tokenised mask relative to the mask given
            (:data:`MASKIGE_SCALE`, 2 in GSS).
    """

    def __init__(self, vqvae: FrozenVQVAE, maskige: Maskige,
                 scale: int = MASKIGE_SCALE) -> None:
        super().__init__()
        self.vqvae = vqvae
        self.maskige = maskige
        self.scale = scale

    @property
    def num_classes(self) -> int:
        return self.maskige.num_classes

    @property
    def vocab_size(self) -> int:
        return self.vqvae.vocab_size

    @property
    def ignore_token(self) -> int:
        """The target index of a token cell that is not learned (one past the codebook)."""
        return self.vqvae.vocab_size

    # ------------------------------------------------------------------------ mask -> tokens
    def mask_to_maskige(self, mask: Tensor, size: Optional[Tuple[int, int]] = None) -> Tensor:
        """X at the tokeniser's resolution: (B, H, W) labels -> (B, 3, *size) in [0, 1];
        ``size`` defaults to ``scale`` times the mask's. Labels outside [0, K) take the ignore
        colour."""
        size = size or (mask.size(-2) * self.scale, mask.size(-1) * self.scale)
        return self.maskige.to_maskige(upsample_mask(mask, size))

    @torch.no_grad()
    def target_tokens(self, mask: Tensor, grid: Tuple[int, int],
                      fill_logits: Optional[Tensor] = None,
                      align_corners: bool = False) -> Tensor:
        """The training targets of a token grid: (B, H, W) labels -> (B, *grid) codes.

        The mask is resized to the VQ-VAE's input for that grid (8x the grid: 2x the crop when
        the grid is 1/4 of it). Ignore pixels are filled with ``fill_logits``' prediction
        (B, K, h', w'), if given, so the tokeniser sees a plausible maskige; as in the original,
        a cell with any ignore pixel is not learned (:attr:`ignore_token`).
        """
        size = (grid[0] * self.vqvae.downsample, grid[1] * self.vqvae.downsample)
        mask = upsample_mask(mask.long(), size)
        ignore = (mask < 0) | (mask >= self.num_classes)
        if fill_logits is not None:
            mask = mask.masked_scatter(ignore, bilinear_argmax_at(fill_logits, ignore,
                                                                  align_corners))
        tokens = self.vqvae.encode(self.maskige.to_maskige(mask))
        ignored_cells = F.max_pool2d(ignore[:, None].float(), self.vqvae.downsample)[:, 0] > 0
        return tokens.masked_fill(ignored_cells, self.ignore_token)

    # ------------------------------------------------------------------------ tokens -> mask
    def decode(self, tokens: Tensor) -> Tensor:
        """D_theta: (B, h, w) codes -> (B, 3, 8h, 8w) maskige in [0, 1], fp32."""
        return self.vqvae.decode(tokens).float()

    def class_votes(self, maskige: Tensor) -> Tensor:
        """X^-1 of GSS-FF as scores: (B, 3, H, W) -> (B, K, H, W), one-hot of the nearest
        palette colour; averaging them over an area gives each class's share of it."""
        labels = self.maskige.to_mask(maskige)
        return one_hot_classes(labels, self.num_classes)

    # ------------------------------------------------------------------------ stage 1
    @torch.no_grad()
    def reconstruct(self, mask: Tensor) -> Dict[str, Tensor]:
        """Stage-1 reconstruction of ground-truth labels: mask -> X -> E -> D -> X^-1.

        Args:
            mask: (B, H, W) labels; values outside [0, K) are ignore.

        Returns:
            dict with ``input`` and ``reconstruction`` maskiges (B, 3, sH, sW), ``tokens``
            (B, ceil(sH/8), ceil(sW/8)) and ``scores`` (B, K, H, W): for each class, the share
            of the s x s decoded pixels over each mask pixel that X^-1 gives it.
        """
        target = self.mask_to_maskige(mask)
        height, width = target.shape[-2:]
        padded = _pad_to_multiple(target, self.vqvae.downsample, self.maskige.palette[-1])
        tokens = self.vqvae.encode(padded)
        reconstruction = self.decode(tokens)[:, :, :height, :width]
        votes = self.class_votes(reconstruction)
        scores = F.avg_pool2d(votes, self.scale) if self.scale > 1 else votes
        return dict(input=target, reconstruction=reconstruction, tokens=tokens, scores=scores)


def _pad_to_multiple(maskige: Tensor, multiple: int, fill: Tensor) -> Tensor:
    """Pad (B, 3, H, W) on the bottom and right with the colour ``fill`` (the ignore colour)."""
    height, width = maskige.shape[-2:]
    pad_h, pad_w = (-height) % multiple, (-width) % multiple
    if not (pad_h or pad_w):
        return maskige
    padded = fill.view(1, 3, 1, 1).to(maskige).expand(
        maskige.size(0), 3, height + pad_h, width + pad_w).clone()
    padded[:, :, :height, :width] = maskige
    return padded
