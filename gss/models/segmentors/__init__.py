"""Segmentors: GSS's encoder-decoder (optionally frozen image network), the stage-1
reconstruction model, the encoder-decoder with GMMSeg's open-set outputs, and multi-scale + flip
testing for all of them."""
from gss.models.segmentors.gss_encoder_decoder import GSSEncoderDecoder
from gss.models.segmentors.maskige_reconstructor import MaskigeReconstructor
from gss.models.segmentors.open_set_encoder_decoder import OpenSetEncoderDecoder
from gss.models.segmentors.test_time_augmentation import GSSTTAModel

__all__ = ['GSSEncoderDecoder', 'GSSTTAModel', 'MaskigeReconstructor', 'OpenSetEncoderDecoder']
