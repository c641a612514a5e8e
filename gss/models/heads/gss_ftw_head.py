"""GSS-FT-W's head: GSS-FF's token prediction, frozen, with a learned X^-1 on the decoded maskige.

Trained after GSS-FF (``load_from`` its checkpoint) with the image network and the VQ-VAE
frozen: only :class:`LearnedXInverse` learns, from the maskiges that the frozen network's
predicted tokens decode to, against the mask (plain cross-entropy, weight 1).
"""
from __future__ import annotations

from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor

from gss.models.heads.gss_ff_head import GSSFFHead, _accuracy
from gss.models.heads.learned_x_inverse import LearnedXInverse


@MODELS.register_module()
class GSSFTWHead(GSSFFHead):
    """GSS-FT-W. Args as :class:`GSSFFHead`, plus the learned X^-1:

    Args:
        post_seg_channel: width of the X^-1 block (128).
        post_swin_depth: its Swin blocks (1; 2 for ADE20K in the original).
        post_swin_num_heads, post_swin_window_size, post_swin_mlp_ratio: the Swin blocks.
        inverse_loss_weight: weight of its cross-entropy (1.0).
    """

    has_pixel_branch = False

    def __init__(self, post_seg_channel: int = 128, post_swin_depth: int = 1,
                 post_swin_num_heads: int = 4, post_swin_window_size: int = 7,
                 post_swin_mlp_ratio: float = 4.0, inverse_loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None, **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        self.learned_inverse = LearnedXInverse(
            self.num_classes, post_seg_channel, post_swin_depth, post_swin_num_heads,
            post_swin_window_size, post_swin_mlp_ratio, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.inverse_loss_weight = inverse_loss_weight
        # Only X^-1 learns; the token branch comes from the GSS-FF checkpoint.
        for name, param in self.named_parameters():
            if not name.startswith('learned_inverse.'):
                param.requires_grad_(False)

    def train(self, mode: bool = True) -> 'GSSFTWHead':
        super().train(mode)
        for name, module in self.named_children():
            if name != 'learned_inverse':
                module.eval()  # frozen BN statistics too
        return self

    def forward(self, inputs: List[Tensor]) -> Dict[str, Tensor]:
        with torch.no_grad():
            out = super().forward(inputs)
            maskige = self.generate_maskige(out)
        out['maskige'] = maskige
        out['inverse_logits'] = self.learned_inverse(maskige)
        return out

    def loss_by_feat(self, seg_logits: Dict[str, Tensor],
                     batch_data_samples: SampleList) -> dict:
        gt = self._stack_batch_gt(batch_data_samples)
        logits = seg_logits['inverse_logits']
        label = F.interpolate(gt.float(), size=logits.shape[2:], mode='nearest')[:, 0].long()
        loss = F.cross_entropy(logits, label, ignore_index=self.ignore_index)
        return dict(loss_inverse=self.inverse_loss_weight * loss,
                    acc_inverse=_accuracy(logits, label, self.ignore_index))

    def predict_by_feat(self, seg_logits: Dict[str, Tensor],
                        batch_img_metas: List[dict]) -> Tensor:
        return super(GSSFFHead, self).predict_by_feat(seg_logits['inverse_logits'],
                                                      batch_img_metas)
