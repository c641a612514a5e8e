"""Finite scalar quantisation (Mentzer et al., ICLR 2024): a codebook with nothing to learn.

Each of ``len(levels)`` channels is bounded and rounded to ``levels[i]`` values; a token is the
mixed-radix number of the rounded channels, so every one of prod(levels) codes is reachable
and none can collapse. Gradients pass straight through the rounding.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn


class FSQ(nn.Module):
    """Quantise (B, D, h, w) latents, D = len(levels), to codes and token indices.

    Args:
        levels: number of values per channel, e.g. (8, 8, 8, 16) for 8192 codes.
    """

    def __init__(self, levels: Sequence[int]) -> None:
        super().__init__()
        levels = [int(v) for v in levels]
        if min(levels) < 2:
            raise ValueError(f'FSQ levels must all be >= 2, got {levels}')
        self.level_counts = tuple(levels)
        self.register_buffer('levels', torch.tensor(levels, dtype=torch.long), persistent=False)
        self.vocab_size = math.prod(levels)

    def _view(self, t: Tensor) -> Tensor:
        return t.view(1, -1, 1, 1)

    def quantise(self, z: Tensor) -> Tensor:
        """Latents -> codes in [-1, 1] with the straight-through gradient."""
        half = self._view((self.levels - 1).to(z.dtype)) / 2
        bounded = torch.tanh(z) * half
        # Even level counts have no zero: shift by half a step so that rounding is symmetric.
        offset = self._view((self.levels % 2 == 0).to(z.dtype)) * 0.5
        rounded = torch.round(bounded - offset) + offset
        quantised = bounded + (rounded - bounded).detach()
        return quantised / half

    def codes_to_indices(self, codes: Tensor) -> Tensor:
        """(B, D, h, w) codes in [-1, 1] -> (B, h, w) long tokens."""
        half = self._view((self.levels - 1).to(codes.dtype)) / 2
        return digits_to_indices(torch.round(codes * half + half).long(), self.level_counts)

    def indices_to_codes(self, tokens: Tensor) -> Tensor:
        """(B, h, w) long tokens -> (B, D, h, w) codes in [-1, 1]."""
        if tokens.min() < 0 or tokens.max() >= self.vocab_size:
            raise ValueError(f'tokens must lie in [0, {self.vocab_size}), got '
                             f'[{int(tokens.min())}, {int(tokens.max())}]')
        digits = indices_to_digits(tokens, self.level_counts)
        half = self._view(self.levels - 1).float() / 2
        return (digits.float() - half) / half


def _radix(levels: Sequence[int], device: torch.device) -> Tensor:
    """(1, D, 1, 1) place values of the mixed-radix token index, first channel lowest."""
    return torch.tensor([math.prod(levels[:i]) for i in range(len(levels))],
                        device=device).view(1, -1, 1, 1)


def indices_to_digits(tokens: Tensor, levels: Sequence[int]) -> Tensor:
    """(B, h, w) token indices -> (B, D, h, w) per-channel levels in [0, levels[d])."""
    counts = torch.tensor(list(levels), device=tokens.device).view(1, -1, 1, 1)
    return (tokens.unsqueeze(1) // _radix(levels, tokens.device)) % counts


def digits_to_indices(digits: Tensor, levels: Sequence[int]) -> Tensor:
    """(B, D, h, w) per-channel levels -> (B, h, w) token indices (inverse of
    :func:`indices_to_digits`)."""
    return (digits * _radix(levels, digits.device)).sum(1)
