"""Decode heads: GSS-FF (tokens of the maskige), GSS-FT-W (learned X^-1 on top), both on the
shared token branch, and the generative/prototype peers GMMSeg and ProtoSeg."""
from gss.models.heads.gmmseg_head import GMMSegHead
from gss.models.heads.gss_ff_head import GSSFFHead
from gss.models.heads.gss_ftw_head import GSSFTWHead
from gss.models.heads.gss_token_head import GSSTokenHead
from gss.models.heads.protoseg_head import ProtoSegHead

__all__ = ['GMMSegHead', 'GSSFFHead', 'GSSFTWHead', 'GSSTokenHead', 'ProtoSegHead']
