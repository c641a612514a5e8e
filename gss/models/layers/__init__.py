"""Layers the heads share: multi-level fusion, the Swin token mixer, the token classifier."""
from gss.models.layers.level_fusion import LevelFusion
from gss.models.layers.swin_token_mixer import SwinTokenMixer
from gss.models.layers.token_classifier import (FactorisedTokenClassifier, TokenClassifier,
                                                build_token_classifier)

__all__ = ['FactorisedTokenClassifier', 'LevelFusion', 'SwinTokenMixer', 'TokenClassifier',
           'build_token_classifier']
