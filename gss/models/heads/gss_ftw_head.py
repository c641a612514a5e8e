"""GSS-FT-W's head: GSS-FF's token branch, frozen, with a learned X^-1 on the decoded maskige.

Trained after GSS-FF (``load_from`` its checkpoint): only :class:`LearnedXInverse` learns, from
the maskiges that the frozen network's predicted tokens decode to, against the mask. What is
frozen is decided in one place, :class:`~gss.models.segmentors.GSSEncoderDecoder` with
``freeze_image_network=True``: the backbone, the neck and this head's token branch; a config
without it is refused when the model is built. With ``pixel_score_weight`` above 0 the head
also builds GSS-FF's pixel branch, frozen with the rest (its weights come from the GSS-FF
checkpoint), and mixes its probabilities into the learned X^-1's at inference, as GSS-FF does
into its nearest-colour X^-1's.
"""
from __future__ import annotations

from typing import Dict, List

import torch
import torch.nn.functional as F
from mmseg.models.losses import accuracy
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor

from gss.errors import InputError
from gss.models.heads.gss_token_head import GSSTokenHead, cross_entropy_loss
from gss.models.heads.pixel_branch import PixelBranchMixin
from gss.models.layers.learned_x_inverse import LearnedXInverse

#: GSSFFHead's options for its token loss and token-map inference, which GSS-FT-W has no use
#: for.
GSS_FF_ONLY_OPTIONS = ('token_class_balance', 'token_samples')
#: GSSFFHead's options for its pixel branch: GSS-FT-W builds it only to mix it in.
PIXEL_BRANCH_OPTIONS = ('pixel_channel_index', 'pixel_channels', 'single_fusion')


@MODELS.register_module()
class GSSFTWHead(PixelBranchMixin, GSSTokenHead):
    """GSS-FT-W: the GSS-FF token branch (frozen) and a learned X^-1.

    Args:
        inverse_channels: width of the X^-1 block (128).
        inverse_swin_depth: its Swin blocks (1; 2 for ADE20K in the original).
        inverse_swin_num_heads, inverse_swin_window_size, inverse_swin_mlp_ratio: the Swin
            blocks (4 heads, window 7, MLP ratio 2 as in the released checkpoints).
        inverse_mode: 'plain' (the paper's X^-1, as the released checkpoints) or 'residual'
            (GSS-FF's nearest-colour X^-1 plus a learned correction that starts at zero, so
            GSS-FT-W starts from its GSS-FF's per-pixel decisions; :class:`LearnedXInverse`).
        pixel_score_weight: w in [0, 1]: at inference the class scores are (1 - w) x the
            learned X^-1's softmax + w x GSS-FF's pixel branch's (built, frozen, with the
            GSS-FF's ``pixel_channel_index``, ``pixel_channels`` and ``single_fusion``, which
            must match its checkpoint); 0: the paper's GSS-FT-W, no pixel branch.
        sample_training_tokens: True: in training X^-1 learns from the maskiges of token maps
            drawn from the frozen predictor's distribution (Gumbel max), not of its most
            likely tokens, which on its own training images are better than on any new image;
            inference always decodes the most likely tokens. False: the paper's.
        loss_decode: ``loss_inverse``, the learned X^-1's loss (cross-entropy, weight 1).
        Others: as :class:`~gss.models.heads.gss_token_head.GSSTokenHead`. GSS-FF's token
            options (:data:`GSS_FF_ONLY_OPTIONS`) are refused, and its pixel branch options
            without a ``pixel_score_weight``.
    """

    LOSS_NAMES = ('loss_inverse',)

    def __init__(self, inverse_channels: int = 128, inverse_swin_depth: int = 1,
                 inverse_swin_num_heads: int = 4, inverse_swin_window_size: int = 7,
                 inverse_swin_mlp_ratio: float = 2.0, inverse_mode: str = 'plain',
                 pixel_score_weight: float = 0.0, sample_training_tokens: bool = False,
                 loss_decode: dict = cross_entropy_loss('loss_inverse', 1.0), **kwargs) -> None:
        ff_only = sorted(set(kwargs) & set(GSS_FF_ONLY_OPTIONS))
        if ff_only:
            raise InputError(f'GSSFTWHead: {", ".join(ff_only)} is a GSS-FF training option that '
                             f'GSS-FT-W does not use; remove it from the FT-W config')
        unused = sorted(set(kwargs) & set(PIXEL_BRANCH_OPTIONS))
        if unused and not pixel_score_weight:
            raise InputError(f'GSSFTWHead: {", ".join(unused)} describes GSS-FF\'s pixel branch, '
                             f'which GSS-FT-W builds only to mix it in: set pixel_score_weight '
                             f'above 0 or remove it from the FT-W config')
        pixel_branch = {k: kwargs.pop(k) for k in PIXEL_BRANCH_OPTIONS if k in kwargs}
        super().__init__(loss_decode=loss_decode, **kwargs)
        if pixel_score_weight:
            self.build_pixel_branch(pixel_branch.get('pixel_channel_index', 1),
                                    pixel_branch.get('single_fusion', False),
                                    pixel_branch.get('pixel_channels'), pixel_score_weight)
            self.SCORES_ARE_PROBABILITIES = True  # the mix, not logits (calibration, TTA)
        else:
            self.pixel_score_weight = 0.0
            # mmseg's base head makes a pixel classifier that the paper's GSS-FT-W has no use
            # for (nor do the original's FT-W checkpoints: gss_original_to_gss.py loads them
            # strictly).
            del self.conv_seg
        self.sample_training_tokens = sample_training_tokens
        self.learned_inverse = LearnedXInverse(
            self.num_classes, inverse_channels, inverse_swin_depth, inverse_swin_num_heads,
            inverse_swin_window_size, inverse_swin_mlp_ratio, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg, mode=inverse_mode, maskige=self.tokenizer.maskige)

    def forward(self, inputs: List[Tensor]) -> Dict[str, Tensor]:
        """Token logits, their maskige and the learned X^-1's logits; at inference with a
        ``pixel_score_weight``, also the frozen pixel branch's logits."""
        with torch.no_grad():
            inputs = self._transform_inputs(inputs)
            tokens, fused = self.token_logits(inputs)
            out = dict(token_logits=tokens, maskige=self.generate_maskige(
                dict(token_logits=tokens), sample=self.training and self.sample_training_tokens))
            if self.pixel_score_weight and not self.training:
                out['pixel_logits'] = self.pixel_logits(inputs, fused)
        out['inverse_logits'] = self.learned_inverse(out['maskige'])
        return out

    def loss_by_feat(self, seg_logits: Dict[str, Tensor],
                     batch_data_samples: SampleList) -> dict:
        if any(p.requires_grad for p in self.token_classifier.parameters()):
            raise InputError('GSSFTWHead learns only X^-1 on a frozen GSS-FF network: build it '
                             "in model.type='GSSEncoderDecoder' with freeze_image_network=True")
        gt = self._stack_batch_gt(batch_data_samples)
        logits = seg_logits['inverse_logits']
        label = F.interpolate(gt.float(), size=logits.shape[2:], mode='nearest')[:, 0].long()
        return dict(loss_inverse=self.losses_by_name['loss_inverse'](
                        logits, label, ignore_index=self.ignore_index),
                    acc_inverse=accuracy(logits, label, ignore_index=self.ignore_index))

    def predict_by_feat(self, seg_logits: Dict[str, Tensor],
                        batch_img_metas: List[dict]) -> Tensor:
        """The learned X^-1's logits at the input size, or with ``pixel_logits`` its
        probabilities mixed with the pixel branch's."""
        scores = seg_logits['inverse_logits']
        if 'pixel_logits' in seg_logits:
            scores = self.mix_pixel_scores(scores.softmax(1), seg_logits['pixel_logits'])
        return super().predict_by_feat(scores, batch_img_metas)
