"""gss: generative semantic segmentation (GSS, GMMSeg, ProtoSeg) on MMSegmentation 1.x.

Importing this package first applies the stack's compatibility patches (:mod:`gss.compat`),
then registers the package's modules in MMSegmentation's registries, so configs only need
``custom_imports = dict(imports=['gss'])`` and ``default_scope = 'mmseg'``.
"""
from gss import compat

compat.apply_all()

from gss import datasets, engine, evaluation, maskige, models  # noqa: E402,F401  (registers them)

__version__ = '0.1.0'
