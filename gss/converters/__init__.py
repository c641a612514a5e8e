"""Converters of other codebases' checkpoints into this project's formats (pure functions; the
command-line wrappers are in tools/model_converters/)."""
from gss.converters.gmmseg_original import convert_gmmseg_original
from gss.converters.gss_original import convert_gss_original, dalle_checkpoint
from gss.converters.protoseg_original import convert_protoseg_original

__all__ = ['convert_gmmseg_original', 'convert_gss_original', 'convert_protoseg_original',
           'dalle_checkpoint']
