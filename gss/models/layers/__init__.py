"""Building blocks of the heads: multi-level fusion, the Swin token mixer, the token classifier,
the learned X^-1 of GSS-FT-W and ProtoSeg's Sinkhorn assignment."""
from gss.models.layers.learned_x_inverse import LearnedXInverse
from gss.models.layers.level_fusion import LevelFusion
from gss.models.layers.sinkhorn import class_sinkhorn
from gss.models.layers.swin_token_mixer import SwinTokenMixer
from gss.models.layers.token_classifier import (FactorisedTokenClassifier, TokenClassifier,
                                                build_token_classifier)

__all__ = ['FactorisedTokenClassifier', 'LearnedXInverse', 'LevelFusion', 'SwinTokenMixer',
           'TokenClassifier', 'build_token_classifier', 'class_sinkhorn']
