"""GSS-FF's head: the image network's last part, I_psi, predicting the maskige's VQ-VAE tokens.

The token branch (:class:`~gss.models.heads.gss_token_head.GSSTokenHead`) learns the codes of
the ground-truth mask's maskige, tokenised by :class:`~gss.maskige.tokenizer.
MaskigeTokenizer`. An auxiliary pixel branch predicts classes directly; it also fills ignore
pixels before tokenising. At inference the predicted tokens are decoded to a maskige and X^-1
(nearest palette colour, training-free) turns it into per-class scores.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmseg.models.losses import accuracy
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor, nn

from gss.errors import InputError
from gss.models.heads.gss_token_head import GSSTokenHead, cross_entropy_loss, token_loss
from gss.models.layers import LevelFusion
from gss.models.losses import TokenCrossEntropyLoss, rare_class_cell_weights


@MODELS.register_module()
class GSSFFHead(GSSTokenHead):
    """GSS-FF: tokens of the maskige from image features; X^-1 is nearest palette colour.

    Args:
        pixel_channel_index: the input whose size the pixel branch predicts at.
        single_fusion: share the token branch's fusion with the pixel branch (the HRNet variant
            of the original, whose inputs are already fused multi-resolution maps).
        pixel_channels: width of the pixel branch's own fusion (its lateral convs and fused
            map); None: ``channels``, as the token branch's laterals. The pixel branch only
            serves training (its loss and the fill of ignore pixels), so it can be narrower
            than the token branch, whose fusion it does not touch.
        token_class_balance: weigh each token cell by the rarity of the classes under it
            (:func:`~gss.models.losses.rare_class_cell_weights`: class weight n_c^-power);
            0, the original's plain average.
        loss_decode: ``loss_token`` (:class:`~gss.models.losses.TokenCrossEntropyLoss`, 0.8 in
            GSS) and ``loss_pixel`` (the pixel branch's cross-entropy, 0.2).
        Others: as :class:`~gss.models.heads.gss_token_head.GSSTokenHead`.
    """

    LOSS_NAMES = ('loss_token', 'loss_pixel')
    # predict_by_feat gives each class's share of the decoded pixels, not logits.
    SCORES_ARE_PROBABILITIES = True

    def __init__(self, pixel_channel_index: int = 1, single_fusion: bool = False,
                 pixel_channels: Optional[int] = None, token_class_balance: float = 0.0,
                 loss_decode: Union[dict, Sequence[dict]] = (
                     token_loss(0.8), cross_entropy_loss('loss_pixel', 0.2)),
                 **kwargs) -> None:
        super().__init__(loss_decode=loss_decode if isinstance(loss_decode, dict)
                         else list(loss_decode), **kwargs)
        if not isinstance(self.losses_by_name['loss_token'], TokenCrossEntropyLoss):
            raise InputError(f'GSSFFHead: loss_token must be TokenCrossEntropyLoss (it scores '
                             f'token logits against codes), got '
                             f'{type(self.losses_by_name["loss_token"]).__name__}')
        if token_class_balance < 0:
            raise InputError(f'GSSFFHead: token_class_balance must be >= 0 (0: no weighting, '
                             f'0.5: inverse square root of class frequency), got '
                             f'{token_class_balance}')
        self.token_class_balance = token_class_balance
        self.pixel_channel_index = pixel_channel_index
        self.single_fusion = single_fusion
        if single_fusion:
            if pixel_channels is not None:
                raise InputError('GSSFFHead: pixel_channels sets the pixel branch\'s own fusion; '
                                 'with single_fusion=True there is none (leave it unset)')
            self.pixel_fusion = None
            self.conv_seg = nn.Conv2d(self.token_channels, self.num_classes, 1)
        else:
            width = self.channels if pixel_channels is None else pixel_channels
            self.pixel_fusion = LevelFusion(self.in_channels, width, width,
                                            pixel_channel_index, **self.conv_settings)
            if width != self.channels:
                self.conv_seg = nn.Conv2d(width, self.num_classes, 1)

    def forward(self, inputs: List[Tensor]) -> Dict[str, Tensor]:
        inputs = self._transform_inputs(inputs)
        tokens, fused = self.token_logits(inputs)
        pixel = fused if self.single_fusion else self.pixel_fusion(inputs)
        return dict(token_logits=tokens, pixel_logits=self.cls_seg(pixel))

    def loss_by_feat(self, seg_logits: Dict[str, Tensor],
                     batch_data_samples: SampleList) -> dict:
        gt = self._stack_batch_gt(batch_data_samples)
        token_logits, pixel_logits = seg_logits['token_logits'], seg_logits['pixel_logits']
        targets = self.tokenizer.target_tokens(gt[:, 0], token_logits.shape[2:], pixel_logits,
                                               self.align_corners)
        ignore = self.tokenizer.ignore_token
        valid = targets != ignore
        weight = None
        if self.token_class_balance:
            weight = rare_class_cell_weights(gt[:, 0], targets.shape[1:], self.num_classes,
                                             self.token_class_balance, valid)
        losses = dict(loss_token=self.losses_by_name['loss_token'](
            token_logits, targets, ignore, self.predictor.levels, weight))
        with torch.no_grad():
            correct = (self.predictor.predict_tokens(token_logits) == targets) & valid
            losses['acc_token'] = correct.sum() * 100.0 / valid.sum().clamp(min=1)
        pixel = F.interpolate(pixel_logits, size=gt.shape[2:], mode='bilinear',
                              align_corners=self.align_corners)
        label = gt[:, 0].long()
        losses['loss_pixel'] = self.losses_by_name['loss_pixel'](
            pixel, label, ignore_index=self.ignore_index)
        losses['acc_pixel'] = accuracy(pixel, label, ignore_index=self.ignore_index)
        return losses

    def predict(self, inputs: List[Tensor], batch_img_metas: List[dict], test_cfg) -> Tensor:
        """Inference reads only the token branch: the pixel branch serves training (its loss
        and the fill of ignore pixels), so it is not run here."""
        token_logits, _ = self.token_logits(self._transform_inputs(inputs))
        return self.predict_by_feat(dict(token_logits=token_logits), batch_img_metas)

    def predict_by_feat(self, seg_logits: Dict[str, Tensor],
                        batch_img_metas: List[dict]) -> Tensor:
        """Per-class scores at the input size: X^-1's nearest-colour vote over the decoded
        maskige, area-averaged when resized, so whole and slide inference both see each
        class's share of the decoded pixels."""
        scores = self.tokenizer.class_votes(self.generate_maskige(seg_logits))
        return super().predict_by_feat(scores, batch_img_metas)
