"""Frozen maskige tokenisers (E_phi, D_theta) behind one interface (:class:`FrozenVQVAE`)."""
from gss.maskige.vqvae.base import FrozenVQVAE
from gss.maskige.vqvae.dalle import DalleVQVAE
from gss.maskige.vqvae.maskige_vqvae import MaskigeVQVAE

__all__ = ['DalleVQVAE', 'FrozenVQVAE', 'MaskigeVQVAE']
