"""The one interface every maskige tokeniser implements (the heads depend only on this)."""
from __future__ import annotations

import math
from abc import ABCMeta, abstractmethod
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from gss.errors import InputError

#: The arithmetic of ``encode`` and ``decode``; ``'auto'`` is each tokeniser's fast choice on
#: the device it runs on (:meth:`FrozenVQVAE.auto_dtype`).
PRECISIONS = ('float32', 'float16', 'bfloat16', 'auto')


class FrozenVQVAE(nn.Module, metaclass=ABCMeta):
    """A discrete VAE over maskiges: E_phi (:meth:`encode`) and D_theta (:meth:`decode`).

    GSS never trains its VQ-VAE: it is built frozen (no gradients, eval mode) and ``train()``
    refuses to switch it to training. Only the maskige VQ-VAE's trainer builds one with
    ``frozen=False``.

    Args:
        precision: one of :data:`PRECISIONS`.

    Attributes:
        vocab_size: number of discrete codes.
        downsample: spatial reduction of the token grid (8 for every VQ-VAE here).
        token_levels: for an FSQ codebook, the levels of each latent channel (a code is one
            level per channel, :mod:`gss.maskige.vqvae.fsq`); None for a flat codebook.
    """

    vocab_size: int
    downsample: int = 8
    token_levels: Optional[Tuple[int, ...]] = None

    def __init__(self, precision: str = 'auto') -> None:
        super().__init__()
        if precision not in PRECISIONS:
            raise InputError(f'{type(self).__name__}: precision={precision!r}; use one of '
                             f'{", ".join(PRECISIONS)}')
        self.precision = precision
        self.frozen = False

    def freeze(self) -> 'FrozenVQVAE':
        """No gradients, eval mode, and ``train()`` refused from now on."""
        for param in self.parameters():
            param.requires_grad_(False)
        super().train(False)
        self.frozen = True
        return self

    def train(self, mode: bool = True) -> 'FrozenVQVAE':
        if mode and self.frozen:
            raise RuntimeError(f'{type(self).__name__} is frozen (GSS never trains its VQ-VAE); '
                               f'train a maskige VQ-VAE with tools/train_maskige_vqvae.py')
        return super().train(mode)

    def token_grid(self, height: int, width: int) -> Tuple[int, int]:
        """The token grid of a (height, width) maskige, padded up to whole cells."""
        return math.ceil(height / self.downsample), math.ceil(width / self.downsample)

    def compute_dtype(self, device: torch.device) -> torch.dtype:
        """The dtype ``encode`` and ``decode`` compute in on ``device``."""
        if self.precision == 'auto':
            return self.auto_dtype(device)
        return getattr(torch, self.precision)

    def auto_dtype(self, device: torch.device) -> torch.dtype:
        """What ``precision='auto'`` means on ``device``; float32 unless a tokeniser knows
        better."""
        return torch.float32

    @abstractmethod
    def encode(self, maskige: Tensor) -> Tensor:
        """(B, 3, H, W) maskige in [0, 1] -> (B, H/8, W/8) long tokens in [0, vocab_size)."""

    @abstractmethod
    def decode(self, tokens: Tensor) -> Tensor:
        """(B, h, w) long tokens -> (B, 3, 8h, 8w) maskige in [0, 1]."""

    def check_input(self, maskige: Tensor) -> None:
        """Reject inputs the 8x grid cannot tokenise, naming the shape."""
        if maskige.dim() != 4 or maskige.size(1) != 3:
            raise ValueError(f'{type(self).__name__}.encode expects (B, 3, H, W), got '
                             f'{tuple(maskige.shape)}')
        if maskige.size(2) % self.downsample or maskige.size(3) % self.downsample:
            raise ValueError(f'{type(self).__name__}.encode needs H and W divisible by '
                             f'{self.downsample}, got {tuple(maskige.shape[2:])}')
