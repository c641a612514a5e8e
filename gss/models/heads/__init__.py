"""Decode heads: GSS-FF (tokens of the maskige) and GSS-FT-W (learned X^-1 on top)."""
from gss.models.heads.gss_ff_head import GSSFFHead
from gss.models.heads.gss_ftw_head import GSSFTWHead
from gss.models.heads.learned_x_inverse import LearnedXInverse

__all__ = ['GSSFFHead', 'GSSFTWHead', 'LearnedXInverse']
