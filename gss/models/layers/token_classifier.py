"""The classifier from token features to the VQ-VAE's codes: the paper's one softmax over the
whole codebook, or, for an FSQ codebook, one small softmax per latent channel.

An FSQ code is a tuple of per-channel levels (8 x 8 x 5 x 5 x 5 = 8000 codes for the project's
maskige VQ-VAE), and neighbouring levels decode to similar maskiges. A flat 8000-way softmax
ignores both: it spends 8000 outputs per cell and treats a code one level off like any other.
:class:`FactorisedTokenClassifier` predicts each channel's level (31 outputs), and can take
soft targets spread over neighbouring levels (``level_sigma``) so that a near miss costs less
than a far one. Both keep the 1x1 conv's parameter names (``weight``, ``bias``).
"""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gss.errors import InputError

#: Target of a channel whose cell is not learned.
IGNORED_LEVEL = -100


class TokenClassifier(nn.Conv2d):
    """The 1x1 conv to the codebook's logits, computed as a linear map over channels-last
    features: the (B, vocab, h, w) result has the vocabulary as its innermost dimension, so the
    softmax and argmax over it read contiguous memory. Same parameters as nn.Conv2d."""

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x.permute(0, 2, 3, 1), self.weight.flatten(1),
                        self.bias).permute(0, 3, 1, 2)

    def predict_tokens(self, logits: Tensor) -> Tensor:
        """(B, C, h, w) logits -> (B, h, w) codes."""
        return logits.argmax(1)

    def token_loss(self, logits: Tensor, targets: Tensor, ignore_index: int,
                   loss: nn.Module, weight: Optional[Tensor] = None) -> Tensor:
        """``loss`` (a configured mmseg loss) of the logits against (B, h, w) target codes,
        each cell weighted by ``weight`` (B, h, w) if given."""
        # Token-major (N, vocab) rows: softmax over thousands of codes is several times faster
        # along the contiguous last dimension.
        return loss(logits.permute(0, 2, 3, 1).reshape(-1, logits.shape[1]),
                    targets.reshape(-1), ignore_index=ignore_index,
                    weight=None if weight is None else weight.reshape(-1))


class FactorisedTokenClassifier(TokenClassifier):
    """One softmax per FSQ channel over its levels; a code is the channels' levels.

    Args:
        in_channels: width of the token features.
        levels: the FSQ levels per channel (the VQ-VAE's ``quantiser.levels``).
        level_sigma: 0 for hard targets (each channel's cross-entropy as configured); > 0
            spreads each channel's target over its levels as exp(-(l - t)^2 / (2 sigma^2)),
            normalised, so predicting a neighbouring level costs less than a distant one.
    """

    def __init__(self, in_channels: int, levels: Sequence[int], level_sigma: float = 0.0) -> None:
        levels = [int(v) for v in levels]
        super().__init__(in_channels, sum(levels), 1)
        if level_sigma < 0:
            raise InputError(f'token_level_sigma must be >= 0, got {level_sigma}')
        self.levels = levels
        self.level_sigma = level_sigma
        radix = [1]
        for count in levels[:-1]:
            radix.append(radix[-1] * count)
        self.register_buffer('radix', torch.tensor(radix), persistent=False)

    def split(self, logits: Tensor) -> List[Tensor]:
        """(B, sum(levels), h, w) -> one (B, levels[i], h, w) block per channel."""
        return list(logits.split(self.levels, dim=1))

    def digits(self, tokens: Tensor) -> Tensor:
        """(B, h, w) codes -> (B, D, h, w) per-channel levels (FSQ's mixed radix)."""
        levels = torch.tensor(self.levels, device=tokens.device).view(1, -1, 1, 1)
        return (tokens.unsqueeze(1) // self.radix.view(1, -1, 1, 1)) % levels

    def predict_tokens(self, logits: Tensor) -> Tensor:
        digits = torch.stack([block.argmax(1) for block in self.split(logits)], 1)
        return (digits * self.radix.view(1, -1, 1, 1)).sum(1)

    def token_loss(self, logits: Tensor, targets: Tensor, ignore_index: int,
                   loss: nn.Module, weight: Optional[Tensor] = None) -> Tensor:
        """The sum over channels of each channel's cross-entropy (the flat loss's analogue:
        -log p(code) = -sum_d log p(level_d) when the channels are predicted independently),
        each cell weighted by ``weight`` (B, h, w) if given."""
        if self.level_sigma:
            _check_plain_cross_entropy(loss)
        valid = targets != ignore_index
        digits = self.digits(torch.where(valid, targets, torch.zeros_like(targets)))
        total = logits.new_zeros(())
        for channel, block in enumerate(self.split(logits)):
            target = digits[:, channel]
            if self.level_sigma == 0:
                total = total + loss(block, target.masked_fill(~valid, IGNORED_LEVEL),
                                     ignore_index=IGNORED_LEVEL, weight=weight)
                continue
            if not valid.any():
                total = total + block.sum() * 0
                continue
            steps = torch.arange(block.shape[1], device=block.device).view(1, -1, 1, 1)
            soft = torch.softmax(-(steps - target.unsqueeze(1)).float().pow(2)
                                 / (2 * self.level_sigma ** 2), dim=1)
            per_cell = -(soft * block.float().log_softmax(1)).sum(1)
            if weight is not None:
                per_cell = per_cell * weight
            total = total + loss.loss_weight * per_cell[valid].mean()
        return total


def _check_plain_cross_entropy(loss: nn.Module) -> None:
    """Soft level targets replace the configured loss by a soft cross-entropy averaged over the
    learned cells; refuse a configured loss it would not be the soft form of."""
    plain = type(loss).__name__ == 'CrossEntropyLoss' and getattr(loss, 'avg_non_ignore', False) \
        and getattr(loss, 'class_weight', None) is None and not getattr(loss, 'use_sigmoid', True)
    if not plain:
        raise InputError(f'token_level_sigma > 0 needs loss_token to be CrossEntropyLoss with '
                         f'avg_non_ignore=True and no class_weight, got {loss!r}'[:300])


def build_token_classifier(kind: str, in_channels: int, vqvae: nn.Module,
                           level_sigma: float = 0.0) -> TokenClassifier:
    """'flat' (the paper's, any VQ-VAE) or 'factorised' (FSQ VQ-VAEs: ``MaskigeVQVAE``)."""
    if kind == 'flat':
        if level_sigma:
            raise InputError('token_level_sigma applies to the factorised token predictor only')
        return TokenClassifier(in_channels, vqvae.vocab_size, 1)
    if kind == 'factorised':
        arch = getattr(vqvae, 'arch', None)
        levels = arch.get('fsq_levels') if isinstance(arch, dict) else None
        if levels is None:
            raise InputError(f"token_predictor='factorised' needs an FSQ VQ-VAE (MaskigeVQVAE); "
                             f"{type(vqvae).__name__} has a flat codebook: use 'flat'")
        return FactorisedTokenClassifier(in_channels, levels, level_sigma)
    raise InputError(f"token_predictor must be 'flat' or 'factorised', got {kind!r}")
