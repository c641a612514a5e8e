"""The gss registry of VQ-VAEs, a child of MMSegmentation's MODELS.

``VQVAES.build(dict(type='MaskigeVQVAE', checkpoint=...))`` builds a tokeniser whatever the
default scope is (configs run with ``default_scope='mmseg'``); mmseg's MODELS can also build
them as ``gss.MaskigeVQVAE``.
"""
from mmengine.registry import DefaultScope, Registry, build_from_cfg
from mmseg.registry import MODELS


def _build_in_gss_scope(cfg: dict, registry: Registry, default_args=None):
    # Under default_scope='mmseg' a child registry is not searched; build in our own scope.
    with DefaultScope.overwrite_default_scope('gss'):
        return build_from_cfg(cfg, registry, default_args)


VQVAES = Registry('vqvae', parent=MODELS, scope='gss', locations=['gss.maskige.vqvae'],
                  build_func=_build_in_gss_scope)
