"""GSS's latent prior loss: the predicted token logits against the tokens of the ground-truth
maskige (GSS, Sec. 3.2: cross-entropy over the VQ-VAE's codes)."""
from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmseg.models.losses.cross_entropy_loss import cross_entropy
from mmseg.registry import MODELS
from torch import Tensor, nn

from gss.errors import InputError
from gss.maskige.vqvae.fsq import indices_to_digits
from gss.models.layers.token_classifier import split_levels

#: Target of an FSQ channel whose cell is not learned.
_IGNORED_LEVEL = -100


@MODELS.register_module()
class TokenCrossEntropyLoss(nn.Module):
    """Cross-entropy of token logits, averaged over the learned cells.

    For a flat codebook the logits are one softmax over the codes. For an FSQ codebook predicted
    channel by channel (``levels``) it is the sum over channels of each channel's
    cross-entropy: with independent channels, -log p(code) = -sum_d log p(level_d).

    ``code_sigma`` softens the targets by code distance: every code gets a target weight
    proportional to exp(-||code - target code||^2 / (2 sigma^2)) in the VQ-VAE's code space, so
    a prediction next to the right code costs less than one far from it (codes that decode to
    almost the same maskige are not treated as wholly wrong). FSQ codes lie on a grid, each
    channel's levels evenly spaced in [-1, 1], so that Gaussian is a product over channels and
    each channel's target is a Gaussian over its levels: exact, and as cheap as the hard loss.

    Args:
        loss_name: the name it is logged (and, in the GSS heads, looked up) under.
        loss_weight: its weight (0.8 in GSS-FF).
        code_sigma: sigma of the soft targets in code units (a channel of L levels has steps
            of 2 / (L - 1)); 0: the one-hot targets of the paper. Needs FSQ ``levels``.
    """

    def __init__(self, loss_name: str = 'loss_token', loss_weight: float = 1.0,
                 code_sigma: float = 0.0) -> None:
        super().__init__()
        if code_sigma < 0:
            raise InputError(f'TokenCrossEntropyLoss: code_sigma must be >= 0 (0: one-hot '
                             f'targets), got {code_sigma}')
        self._loss_name = loss_name
        self.loss_weight = loss_weight
        self.code_sigma = code_sigma

    def forward(self, token_logits: Tensor, target_tokens: Tensor, ignore_index: int,
                levels: Optional[Sequence[int]] = None,
                weight: Optional[Tensor] = None) -> Tensor:
        """
        Args:
            token_logits: (B, C, h, w); C is the codebook's size, or sum(levels).
            target_tokens: (B, h, w) codes; ``ignore_index`` marks cells not learned.
            ignore_index: the target of a cell that is not learned.
            levels: the FSQ levels per channel when the logits are one block per channel.
            weight: (B, h, w) weight of each cell, or None.
        """
        if levels is None:
            if self.code_sigma:
                raise InputError('TokenCrossEntropyLoss: code_sigma softens targets over FSQ '
                                 "levels; it needs token_predictor='factorised' and an FSQ "
                                 'VQ-VAE (MaskigeVQVAE)')
            # Token-major (N, vocab) rows: softmax over thousands of codes is several times
            # faster along the contiguous last dimension.
            rows = token_logits.permute(0, 2, 3, 1).reshape(-1, token_logits.shape[1])
            return self.loss_weight * cross_entropy(
                rows, target_tokens.reshape(-1), None if weight is None else weight.reshape(-1),
                ignore_index=ignore_index, avg_non_ignore=True)
        valid = target_tokens != ignore_index
        digits = indices_to_digits(target_tokens.masked_fill(~valid, 0), levels)
        total = token_logits.new_zeros(())
        for channel, block in enumerate(split_levels(token_logits, levels)):
            if self.code_sigma:
                total = total + self._soft_channel_loss(block, digits[:, channel], valid,
                                                        weight)
                continue
            total = total + cross_entropy(
                block, digits[:, channel].masked_fill(~valid, _IGNORED_LEVEL), weight,
                ignore_index=_IGNORED_LEVEL, avg_non_ignore=True)
        return self.loss_weight * total

    def _soft_channel_loss(self, block: Tensor, target: Tensor, valid: Tensor,
                           weight: Optional[Tensor]) -> Tensor:
        """One FSQ channel's cross-entropy against the Gaussian over its levels around
        ``target``, averaged over the valid cells as the hard loss (each cell times its
        weight, divided by the number of valid cells)."""
        count = block.shape[1]
        step = 2.0 / (count - 1)
        grid = torch.arange(count, device=block.device, dtype=block.dtype).view(1, -1, 1, 1)
        distance = (grid - target.unsqueeze(1).to(block.dtype)) * step
        soft = torch.softmax(-distance.square() / (2 * self.code_sigma ** 2), dim=1)
        per_cell = F.cross_entropy(block, soft, reduction='none') * valid
        if weight is not None:
            per_cell = per_cell * weight
        return per_cell.sum() / valid.sum().clamp(min=1)

    @property
    def loss_name(self) -> str:
        return self._loss_name
