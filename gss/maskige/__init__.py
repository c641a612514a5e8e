"""Stage 1 of GSS, the maskige path (the paper's posterior learning and frozen VQ-VAE):

- :mod:`~gss.maskige.palette`: X (mask -> maskige through a palette) and nearest-colour X^-1;
- :mod:`~gss.maskige.posterior_learning`: a far-apart palette (maximin colours);
- :mod:`~gss.maskige.assignment`: which class gets which colour (blends off third classes);
- :mod:`~gss.maskige.refinement`: palette refinement with the VQ-VAE in the loop;
- :mod:`~gss.maskige.vqvae`: the frozen E_phi / D_theta (DALL-E dVAE, the maskige VQ-VAE) and
  the maskige VQ-VAE's trainer;
- :mod:`~gss.maskige.tokenizer`: mask -> 2x -> X -> E_phi -> tokens -> D_theta -> X^-1;
- :mod:`~gss.maskige.stage1`: the stage-1 reconstruction IoU.

Stage 2, the image network that predicts the tokens, is :mod:`gss.models`; it imports this
package, never the other way round.
"""
from gss.maskige import vqvae  # noqa: F401  (registers the VQ-VAEs)
from gss.maskige.palette import Maskige
from gss.maskige.tokenizer import MaskigeTokenizer

__all__ = ['Maskige', 'MaskigeTokenizer']
