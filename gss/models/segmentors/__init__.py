"""Segmentors: GSS's encoder-decoder (optionally frozen image network) and the stage-1
reconstruction model."""
from gss.models.segmentors.gss_encoder_decoder import GSSEncoderDecoder
from gss.models.segmentors.maskige_reconstructor import MaskigeReconstructor

__all__ = ['GSSEncoderDecoder', 'MaskigeReconstructor']
