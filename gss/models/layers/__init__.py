"""Layers the heads share: multi-level fusion, the Swin token mixer, the token classifier."""
from gss.models.layers.level_fusion import LevelFusion
from gss.models.layers.swin_token_mixer import SwinTokenMixer
from gss.models.layers.token_classifier import TokenClassifier

__all__ = ['LevelFusion', 'SwinTokenMixer', 'TokenClassifier']
