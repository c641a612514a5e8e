"""Segmentors: GSS's encoder-decoder (optionally frozen image network), the stage-1
reconstruction model, and the encoder-decoder with GMMSeg's open-set outputs."""
from gss.models.segmentors.gss_encoder_decoder import GSSEncoderDecoder
from gss.models.segmentors.maskige_reconstructor import MaskigeReconstructor
from gss.models.segmentors.open_set_encoder_decoder import OpenSetEncoderDecoder

__all__ = ['GSSEncoderDecoder', 'MaskigeReconstructor', 'OpenSetEncoderDecoder']
