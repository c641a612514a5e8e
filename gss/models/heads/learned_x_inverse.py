"""X^-1 of GSS-FT-W: a small learned block from the decoded maskige to class logits."""
from __future__ import annotations

from mmcv.cnn import ConvModule
from torch import Tensor, nn

from gss.models.layers import SwinTokenMixer


class LearnedXInverse(nn.Module):
    """(B, 3, H, W) maskige -> (B, K, H, W) logits: 1x1 ConvModule 3 -> C, a Swin block
    sequence, LayerNorm, 1x1 classifier (as the original's ``post_*`` layers)."""

    def __init__(self, num_classes: int, channels: int = 128, depth: int = 1,
                 num_heads: int = 4, window_size: int = 7, mlp_ratio: float = 2.0,
                 norm_cfg: dict = None, act_cfg: dict = None) -> None:
        super().__init__()
        self.project = ConvModule(3, channels, 1, norm_cfg=norm_cfg,
                                  act_cfg=act_cfg or dict(type='ReLU'))
        self.mixer = SwinTokenMixer(channels, depth, num_heads, window_size, mlp_ratio)
        self.classifier = nn.Conv2d(channels, num_classes, 1)

    def forward(self, maskige: Tensor) -> Tensor:
        return self.classifier(self.mixer(self.project(maskige)))
