"""Keeps the frozen maskige tokenizer beside a head, outside its parameters and checkpoints."""
from __future__ import annotations

import torch

from gss.maskige.palette import Maskige, PaletteLike
from gss.maskige.tokenizer import MaskigeTokenizer
from gss.registry import VQVAES


class FrozenTokenizerHolder:
    """Mixin for nn.Modules that use the frozen mask <-> token path (X, E_phi, D_theta, X^-1).

    GSS never trains the VQ-VAE, and its weights come from their own files (the DALL-E dVAE is
    97 M parameters). Holding the tokenizer outside the module tree keeps it out of
    ``parameters()`` (the optimiser, DDP), ``state_dict()`` (every checkpoint) and ``train()``;
    ``_apply`` still moves it with the model (``.to``, ``.cuda``, ``.half``).
    """

    def hold_tokenizer(self, vqvae: dict, palette: PaletteLike, num_classes: int) -> None:
        # Built on the CPU whatever the default device (the meta device of shape-only builds
        # included): its weights come from files, and _apply moves it with the head.
        with torch.device('cpu'):
            tokenizer = MaskigeTokenizer(VQVAES.build(vqvae), Maskige(palette, num_classes))
        object.__setattr__(self, '_frozen_tokenizer', tokenizer)

    @property
    def tokenizer(self) -> MaskigeTokenizer:
        return self._frozen_tokenizer

    def _apply(self, fn, *args, **kwargs):
        super()._apply(fn, *args, **kwargs)
        self._frozen_tokenizer._apply(fn)
        return self
