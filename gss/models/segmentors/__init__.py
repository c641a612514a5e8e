"""Segmentors: the stage-1 reconstruction model (and, later, GSS's encoder-decoder variants)."""
from gss.models.segmentors.maskige_reconstructor import MaskigeReconstructor

__all__ = ['MaskigeReconstructor']
