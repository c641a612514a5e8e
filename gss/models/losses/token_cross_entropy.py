"""GSS's latent prior loss: the predicted token logits against the tokens of the ground-truth
maskige (GSS, Sec. 3.2: cross-entropy over the VQ-VAE's codes)."""
from __future__ import annotations

from typing import Optional, Sequence

from mmseg.models.losses.cross_entropy_loss import cross_entropy
from mmseg.registry import MODELS
from torch import Tensor, nn

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

    Args:
        loss_name: the name it is logged (and, in the GSS heads, looked up) under.
        loss_weight: its weight (0.8 in GSS-FF).
    """

    def __init__(self, loss_name: str = 'loss_token', loss_weight: float = 1.0) -> None:
        super().__init__()
        self._loss_name = loss_name
        self.loss_weight = loss_weight

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
            total = total + cross_entropy(
                block, digits[:, channel].masked_fill(~valid, _IGNORED_LEVEL), weight,
                ignore_index=_IGNORED_LEVEL, avg_non_ignore=True)
        return self.loss_weight * total

    @property
    def loss_name(self) -> str:
        return self._loss_name
