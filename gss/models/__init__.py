"""Models: the VQ-VAEs (E_phi / D_theta), and the segmentors and heads built on them."""
from gss.models import backbones, heads, losses, segmentors, vqvae  # noqa: F401
