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
from torch import Tensor

from gss.errors import InputError
from gss.models.heads.gss_token_head import GSSTokenHead, cross_entropy_loss, token_loss
from gss.models.heads.pixel_branch import PixelBranchMixin
from gss.models.losses import TokenCrossEntropyLoss, rare_class_cell_weights


@MODELS.register_module()
class GSSFFHead(PixelBranchMixin, GSSTokenHead):
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
        pixel_score_weight: w in [0, 1]: at inference the class scores are (1 - w) x the
            decoded maskige's class shares + w x the pixel branch's softmax (both
            probabilities, so their mix is one); 0, the paper's GSS-FF, does not run the pixel
            branch at inference.
        token_samples: S > 0: the class shares are averaged over S token maps drawn from the
            predicted token distribution (each decoded, X^-1 applied), a Monte-Carlo estimate
            of p(class | image) under I_psi's distribution, drawn with a fixed seed so that
            inference repeats; 0, the paper's: the most likely token of every cell.
        loss_decode: ``loss_token`` (:class:`~gss.models.losses.TokenCrossEntropyLoss`, 0.8 in
            GSS) and ``loss_pixel`` (the pixel branch's cross-entropy, 0.2).
        Others: as :class:`~gss.models.heads.gss_token_head.GSSTokenHead`.
    """

    LOSS_NAMES = ('loss_token', 'loss_pixel')
    # predict_by_feat gives each class's share of the decoded pixels, not logits.
    SCORES_ARE_PROBABILITIES = True

    def __init__(self, pixel_channel_index: int = 1, single_fusion: bool = False,
                 pixel_channels: Optional[int] = None, token_class_balance: float = 0.0,
                 pixel_score_weight: float = 0.0, token_samples: int = 0,
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
        if token_samples < 0:
            raise InputError(f'GSSFFHead: token_samples must be >= 0 (0: the most likely '
                             f'tokens), got {token_samples}')
        self.token_class_balance = token_class_balance
        self.token_samples = token_samples
        self.build_pixel_branch(pixel_channel_index, single_fusion, pixel_channels,
                                pixel_score_weight)

    def forward(self, inputs: List[Tensor]) -> Dict[str, Tensor]:
        inputs = self._transform_inputs(inputs)
        tokens, fused = self.token_logits(inputs)
        return dict(token_logits=tokens, pixel_logits=self.pixel_logits(inputs, fused))

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
        """Inference reads the token branch; the pixel branch, which serves training (its loss
        and the fill of ignore pixels), runs only for a ``pixel_score_weight`` above 0."""
        inputs = self._transform_inputs(inputs)
        token_logits, fused = self.token_logits(inputs)
        seg_logits = dict(token_logits=token_logits)
        if self.pixel_score_weight:
            seg_logits['pixel_logits'] = self.pixel_logits(inputs, fused)
        return self.predict_by_feat(seg_logits, batch_img_metas)

    def predict_by_feat(self, seg_logits: Dict[str, Tensor],
                        batch_img_metas: List[dict]) -> Tensor:
        """Per-class scores at the input size: X^-1's nearest-colour vote over the decoded
        maskige, area-averaged when resized, so whole and slide inference both see each
        class's share of the decoded pixels; mixed with the pixel branch's probabilities
        when ``pixel_logits`` are given and ``pixel_score_weight`` is above 0."""
        scores = self.class_shares(seg_logits['token_logits'])
        if self.pixel_score_weight and 'pixel_logits' in seg_logits:
            scores = self.mix_pixel_scores(scores, seg_logits['pixel_logits'])
        return super().predict_by_feat(scores, batch_img_metas)

    def class_shares(self, token_logits: Tensor) -> Tensor:
        """(B, K, 8h, 8w) X^-1 votes of the decoded most likely tokens, or their mean over
        ``token_samples`` drawn token maps."""
        seg_logits = dict(token_logits=token_logits)
        if not self.token_samples:
            return self.tokenizer.class_votes(self.generate_maskige(seg_logits))
        generator = torch.Generator(token_logits.device).manual_seed(0)
        return sum(self.tokenizer.class_votes(self.generate_maskige(
            seg_logits, sample=True, generator=generator))
            for _ in range(self.token_samples)) / self.token_samples
