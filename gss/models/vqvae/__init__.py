"""Frozen maskige tokenisers (E_phi, D_theta) behind one interface (:class:`FrozenVQVAE`)."""
from gss.models.vqvae.base import FrozenVQVAE
from gss.models.vqvae.dalle import DalleVQVAE
from gss.models.vqvae.maskige_vqvae import MaskigeVQVAE

__all__ = ['DalleVQVAE', 'FrozenVQVAE', 'MaskigeVQVAE']
