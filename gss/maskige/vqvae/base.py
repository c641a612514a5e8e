"""The one interface every frozen maskige tokeniser implements (heads depend only on this)."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from torch import Tensor, nn


class FrozenVQVAE(nn.Module, metaclass=ABCMeta):
    """A frozen discrete VAE over maskiges: E_phi (encode) and D_theta (decode) of GSS.

    GSS never trains its VQ-VAE: it stays in eval mode with no gradients, whatever the
    surrounding model does (``train()`` is a no-op for it).

    Attributes:
        vocab_size: number of discrete codes.
        downsample: spatial reduction of the token grid (8 for every VQ-VAE here).
    """

    vocab_size: int
    downsample: int = 8

    def freeze(self) -> 'FrozenVQVAE':
        """Eval mode, no gradients; call at the end of ``__init__``."""
        for param in self.parameters():
            param.requires_grad_(False)
        return super().train(False)

    def train(self, mode: bool = True) -> 'FrozenVQVAE':
        return super().train(False)

    @abstractmethod
    def encode(self, maskige: Tensor) -> Tensor:
        """(B, 3, H, W) maskige in [0, 1] -> (B, H/8, W/8) long tokens in [0, vocab_size)."""

    @abstractmethod
    def decode(self, tokens: Tensor) -> Tensor:
        """(B, h, w) long tokens -> (B, 3, 8h, 8w) maskige in [0, 1]."""

    @torch.no_grad()
    def reconstruct(self, maskige: Tensor) -> Tensor:
        """decode(encode(maskige)): the stage-1 path of GSS."""
        return self.decode(self.encode(maskige))

    def check_input(self, maskige: Tensor) -> None:
        """Reject inputs the 8x grid cannot tokenise, naming the shape."""
        if maskige.dim() != 4 or maskige.size(1) != 3:
            raise ValueError(f'{type(self).__name__}.encode expects (B, 3, H, W), got '
                             f'{tuple(maskige.shape)}')
        if maskige.size(2) % self.downsample or maskige.size(3) % self.downsample:
            raise ValueError(f'{type(self).__name__}.encode needs H and W divisible by '
                             f'{self.downsample}, got {tuple(maskige.shape[2:])}')
