"""Keeps the frozen VQ-VAE beside a head, outside its parameters and checkpoints."""
from __future__ import annotations

from gss.models.vqvae.base import FrozenVQVAE
from gss.registry import VQVAES


class FrozenVQVAEHolder:
    """Mixin for nn.Modules that use a frozen VQ-VAE (E_phi, D_theta).

    GSS never trains the VQ-VAE, and its weights come from their own files (the DALL-E dVAE is
    97 M parameters). Holding it outside the module tree keeps it out of ``parameters()`` (the
    optimiser, DDP), ``state_dict()`` (every checkpoint) and ``train()``; ``_apply`` still
    moves it with the model (``.to``, ``.cuda``, ``.half``).
    """

    def hold_vqvae(self, cfg: dict) -> None:
        object.__setattr__(self, '_frozen_vqvae', VQVAES.build(cfg))

    @property
    def vqvae(self) -> FrozenVQVAE:
        return self._frozen_vqvae

    def _apply(self, fn, *args, **kwargs):
        super()._apply(fn, *args, **kwargs)
        self._frozen_vqvae._apply(fn)
        return self
