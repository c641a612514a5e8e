"""Converters of other codebases' checkpoints into this project's formats (pure functions; the
command-line wrappers are in tools/model_converters/)."""
from gss.converters.gss_original import convert_gss_original, dalle_checkpoint

__all__ = ['convert_gss_original', 'dalle_checkpoint']
