"""Stage 2 of GSS and its peers: the image network I_psi (backbones, fusion, heads) that
predicts maskige tokens, the segmentors around it, and GMMSeg and ProtoSeg."""
from gss.models import backbones, heads, losses, segmentors  # noqa: F401
