"""What GSS-FF and GSS-FT-W share: I_psi's token branch and the frozen maskige tokenizer.

Latent prior learning (GSS, Sec. 3.2): features of every backbone level are fused at 1/4 scale,
a Swin block sequence mixes the fused tokens, and a classifier predicts, for each cell, one of
the frozen VQ-VAE's codes; decoding the predicted codes gives the maskige. GSS-FF trains this
branch (:class:`~gss.models.heads.GSSFFHead`); GSS-FT-W keeps it frozen and learns X^-1 on its
decoded maskige (:class:`~gss.models.heads.GSSFTWHead`).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.utils import ConfigType
from torch import Tensor, nn

from gss.errors import InputError
from gss.maskige.palette import PaletteLike
from gss.models.heads.frozen_tokenizer_holder import FrozenTokenizerHolder
from gss.models.layers import LevelFusion, SwinTokenMixer, TokenClassifier, build_token_classifier


def cross_entropy_loss(name: str, weight: float) -> dict:
    """A ``loss_decode`` entry: cross-entropy averaged over the non-ignored targets (as
    ``F.cross_entropy``), named ``name`` in the logs."""
    return dict(type='CrossEntropyLoss', loss_name=name, loss_weight=weight,
                avg_non_ignore=True)


def token_loss(weight: float) -> dict:
    """The ``loss_decode`` entry of the token loss (:class:`~gss.models.losses.
    TokenCrossEntropyLoss`), logged as ``loss_token``."""
    return dict(type='TokenCrossEntropyLoss', loss_name='loss_token', loss_weight=weight)


class GSSTokenHead(FrozenTokenizerHolder, BaseDecodeHead):
    """I_psi's head up to the token logits, and the tokenizer that gives them meaning.

    Args:
        vqvae: config of the frozen VQ-VAE (``DalleVQVAE`` or ``MaskigeVQVAE``).
        palette: K + 1 colours or a JSON file, the last for ignore (X).
        token_grid_index: the (in_index-ordered) input whose size is the token grid.
        token_channels: width of the fused token features and the Swin blocks.
        token_classifier_channels: width before the token classifier.
        swin_depth, swin_num_heads, swin_window_size, swin_mlp_ratio: the Swin sequence.
        swin_drop_path_rate: stochastic depth of every Swin block while training (the chance
            that a sample skips a block's attention or MLP); 0, the original's.
        token_predictor: 'flat' (the paper's softmax over the whole codebook; any VQ-VAE) or
            'factorised' (one softmax per FSQ channel; the project's MaskigeVQVAE), see
            :mod:`gss.models.layers.token_classifier`.
        loss_decode: the head's losses, each named by ``loss_name``; subclasses say which names
            they need (:attr:`LOSS_NAMES`) and give defaults.
        Others: as :class:`mmseg.models.decode_heads.decode_head.BaseDecodeHead`.
    """

    LOSS_NAMES: Tuple[str, ...] = ()

    def __init__(self, vqvae: ConfigType, palette: PaletteLike,
                 loss_decode: Union[dict, Sequence[dict]],
                 token_grid_index: int = 1, token_channels: int = 512,
                 token_classifier_channels: int = 2048, swin_depth: int = 2,
                 swin_num_heads: int = 16, swin_window_size: int = 7,
                 swin_mlp_ratio: float = 2.0, swin_drop_path_rate: float = 0.0,
                 token_predictor: str = 'flat',
                 init_cfg: Optional[dict] = None, **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, input_transform='multiple_select',
                         loss_decode=loss_decode, **kwargs)
        self.losses_by_name = self._named_losses()
        self.hold_tokenizer(vqvae, palette, self.num_classes)
        self.token_grid_index = token_grid_index
        self.token_channels = token_channels
        self.token_fusion = LevelFusion(self.in_channels, self.channels, token_channels,
                                        token_grid_index, **self.conv_settings)
        self.token_mixer = SwinTokenMixer(token_channels, swin_depth, swin_num_heads,
                                          swin_window_size, swin_mlp_ratio, swin_drop_path_rate)
        self.token_classifier = nn.Sequential(
            ConvModule(token_channels, token_classifier_channels, 1, conv_cfg=self.conv_cfg,
                       norm_cfg=self.norm_cfg, act_cfg=self.act_cfg),
            build_token_classifier(token_predictor, token_classifier_channels,
                                   self.tokenizer.vqvae))

    @property
    def conv_settings(self) -> dict:
        """The conv / norm / activation settings every ConvModule of the head shares."""
        return dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg,
                    align_corners=self.align_corners)

    def _named_losses(self) -> Dict[str, nn.Module]:
        """The configured losses by ``loss_name``; exactly :attr:`LOSS_NAMES`, or one line."""
        losses = self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) \
            else [self.loss_decode]
        names = [loss.loss_name for loss in losses]
        if sorted(names) != sorted(self.LOSS_NAMES):
            raise InputError(f'{type(self).__name__}: loss_decode must name the losses '
                             f'{", ".join(self.LOSS_NAMES)} (loss_name=...), one each; got '
                             f'{", ".join(names)}')
        return dict(zip(names, losses))

    # ------------------------------------------------------------------------ the token branch
    def token_logits(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """(B, C, h, w) token logits (C: the codebook's size, or the FSQ channels' levels for
        the factorised predictor) and the fused features they come from."""
        fused = self.token_fusion(inputs)
        return self.token_classifier(self.token_mixer(fused)), fused

    def generate_maskige(self, seg_logits: Dict[str, Tensor], sample: bool = False,
                         generator: Optional[torch.Generator] = None) -> Tensor:
        """Predicted tokens -> decoded maskige (B, 3, 8h, 8w) in [0, 1]: of the most likely
        token map, or with ``sample`` of one drawn from the predicted distribution
        (``generator`` seeds the draw)."""
        logits = seg_logits['token_logits']
        tokens = (self.predictor.sample_tokens(logits, generator) if sample
                  else self.predictor.predict_tokens(logits))
        return self.tokenizer.decode(tokens)

    def open_set_scores(self, inputs: List[Tensor]) -> Dict[str, Tensor]:
        """GSS's own unknown-class scores, higher for less known pixels: ``token_nll``, -log p
        of each cell's predicted code (B, 1, h, w) on the token grid, and ``colour_distance``,
        the decoded maskige's distance to the nearest class colour (B, 1, 8h, 8w)."""
        token_logits, _ = self.token_logits(self._transform_inputs(inputs))
        maskige = self.generate_maskige(dict(token_logits=token_logits))
        return dict(token_nll=self.predictor.predicted_code_nll(token_logits),
                    colour_distance=self.tokenizer.maskige.colour_distance(maskige))

    @property
    def predictor(self) -> TokenClassifier:
        """The token classifier: how logits become codes and how they are scored."""
        return self.token_classifier[1]
