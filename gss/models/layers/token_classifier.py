"""The classifier from token features to the VQ-VAE's codes: the paper's one softmax over the
whole codebook, or, for an FSQ codebook, one small softmax per latent channel.

An FSQ code is a tuple of per-channel levels (8 x 8 x 5 x 5 x 5 = 8000 codes for the project's
maskige VQ-VAE), and neighbouring levels decode to similar maskiges. A flat 8000-way softmax
spends 8000 outputs per cell; :class:`FactorisedTokenClassifier` predicts each channel's level
(31 outputs). Both keep the 1x1 conv's parameter names (``weight``, ``bias``). Their loss is
:class:`~gss.models.losses.TokenCrossEntropyLoss`, which reads :attr:`TokenClassifier.levels`.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gss.errors import InputError
from gss.maskige.vqvae import FrozenVQVAE
from gss.maskige.vqvae.fsq import digits_to_indices


class TokenClassifier(nn.Conv2d):
    """The 1x1 conv to the codebook's logits, computed as a linear map over channels-last
    features: the (B, vocab, h, w) result has the vocabulary as its innermost dimension, so the
    softmax and argmax over it read contiguous memory. Same parameters as nn.Conv2d."""

    #: FSQ levels per channel when the logits are one block per channel; None: one flat block.
    levels: Optional[Tuple[int, ...]] = None

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x.permute(0, 2, 3, 1), self.weight.flatten(1),
                        self.bias).permute(0, 3, 1, 2)

    def predict_tokens(self, logits: Tensor) -> Tensor:
        """(B, C, h, w) logits -> (B, h, w) codes."""
        return logits.argmax(1)

    def sample_tokens(self, logits: Tensor,
                      generator: Optional[torch.Generator] = None) -> Tensor:
        """(B, C, h, w) logits -> (B, h, w) codes drawn from the predicted distribution (Gumbel
        max: the arg-max of logits plus Gumbel noise; per FSQ channel for the factorised
        predictor, whose channels are independent)."""
        uniform = torch.rand(logits.shape, generator=generator, device=logits.device,
                             dtype=logits.dtype).clamp(min=torch.finfo(logits.dtype).tiny)
        return self.predict_tokens(logits - (-uniform.log()).log())

    def predicted_code_nll(self, logits: Tensor) -> Tensor:
        """(B, C, h, w) logits -> (B, 1, h, w): -log p of the predicted code, the token
        predictor's own uncertainty about the cell (0 when it is certain)."""
        return -logits.log_softmax(1).max(1, keepdim=True).values


class FactorisedTokenClassifier(TokenClassifier):
    """One softmax per FSQ channel over its levels; a code is the channels' levels.

    Args:
        in_channels: width of the token features.
        levels: the FSQ levels per channel (the VQ-VAE's ``token_levels``).
    """

    def __init__(self, in_channels: int, levels: Sequence[int]) -> None:
        levels = tuple(int(v) for v in levels)
        super().__init__(in_channels, sum(levels), 1)
        self.levels = levels

    def predict_tokens(self, logits: Tensor) -> Tensor:
        digits = torch.stack([block.argmax(1) for block in split_levels(logits, self.levels)], 1)
        return digits_to_indices(digits, self.levels)

    def predicted_code_nll(self, logits: Tensor) -> Tensor:
        """The code's probability is the product of its channels' level probabilities."""
        return sum(super(FactorisedTokenClassifier, self).predicted_code_nll(block)
                   for block in split_levels(logits, self.levels))


def split_levels(logits: Tensor, levels: Sequence[int]) -> List[Tensor]:
    """(B, sum(levels), h, w) -> one (B, levels[i], h, w) block per FSQ channel."""
    return list(logits.split(list(levels), dim=1))


def build_token_classifier(kind: str, in_channels: int, vqvae: FrozenVQVAE) -> TokenClassifier:
    """'flat' (the paper's, any VQ-VAE) or 'factorised' (FSQ VQ-VAEs: ``MaskigeVQVAE``)."""
    if kind == 'flat':
        return TokenClassifier(in_channels, vqvae.vocab_size, 1)
    if kind == 'factorised':
        if vqvae.token_levels is None:
            raise InputError(f"token_predictor='factorised' needs an FSQ VQ-VAE (MaskigeVQVAE); "
                             f"{type(vqvae).__name__} has a flat codebook: use 'flat'")
        return FactorisedTokenClassifier(in_channels, vqvae.token_levels)
    raise InputError(f"token_predictor must be 'flat' or 'factorised', got {kind!r}")
