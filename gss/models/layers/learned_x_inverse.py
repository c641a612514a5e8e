"""X^-1 of GSS-FT-W: a small learned block from the decoded maskige to class logits.

Two forms. ``plain`` is the paper's: the block alone gives the logits. ``residual`` (this
project's default for its own VQ-VAE) adds the block's output to GSS-FF's nearest-colour X^-1,
written as scores (negative squared colour distances times a learned scale), and starts the
block's classifier at zero: before training, GSS-FT-W takes the same per-pixel decision as its
GSS-FF at the maskige's resolution (after resizing to the image, scores and votes can differ on
a few boundary pixels), and training only has to learn where the decoded colours mislead. A
plain X^-1 trained over a weak GSS-FF erased its rare classes (CamVid's pedestrian and
bicyclist). The residual path keeps one more (B, K, 2H, 2W) tensor for the scale's gradient, and
its initial scale grows with how close the palette's colours are (CamVid 9, Cityscapes 650); it
is evaluated on CamVid and the toy scenes only (docs/models.md, learned X^-1).
"""
from __future__ import annotations

import math
from typing import Optional

import torch
from mmcv.cnn import ConvModule
from torch import Tensor, nn

from gss.errors import InputError
from gss.maskige.palette import Maskige
from gss.models.layers.swin_token_mixer import SwinTokenMixer

INVERSE_MODES = ('plain', 'residual')


class LearnedXInverse(nn.Module):
    """(B, 3, H, W) maskige -> (B, K, H, W) logits: 1x1 ConvModule 3 -> C, a Swin block
    sequence, LayerNorm, 1x1 classifier (as the original's ``post_*`` layers).

    Args:
        mode: 'plain' (the block's logits) or 'residual' (nearest-colour scores + the block's
            logits, the block's classifier zero-initialised); see the module docstring.
        maskige: the palette, needed by 'residual'.
        base_sharpness: 'residual' only: the initial scale of the colour scores, in units of
            1 / (the smallest squared distance between two class colours); large enough that
            the nearest colour wins wherever the block is silent.
    """

    def __init__(self, num_classes: int, channels: int = 128, depth: int = 1,
                 num_heads: int = 4, window_size: int = 7, mlp_ratio: float = 2.0,
                 norm_cfg: dict = None, act_cfg: dict = None, mode: str = 'plain',
                 maskige: Optional[Maskige] = None, base_sharpness: float = 4.0) -> None:
        super().__init__()
        if mode not in INVERSE_MODES:
            raise InputError(f'inverse_mode must be one of {INVERSE_MODES}, got {mode!r}')
        if mode == 'residual' and maskige is None:
            raise InputError("inverse_mode='residual' needs the palette (maskige)")
        self.mode = mode
        self.maskige = maskige
        self.project = ConvModule(3, channels, 1, norm_cfg=norm_cfg,
                                  act_cfg=act_cfg or dict(type='ReLU'))
        self.mixer = SwinTokenMixer(channels, depth, num_heads, window_size, mlp_ratio)
        self.classifier = nn.Conv2d(channels, num_classes, 1)
        if mode == 'residual':
            nn.init.zeros_(self.classifier.weight)
            nn.init.zeros_(self.classifier.bias)
            colours = maskige.class_colours
            gaps = torch.cdist(colours, colours).pow(2)
            gaps.fill_diagonal_(float('inf'))
            self.log_base_scale = nn.Parameter(
                torch.tensor(math.log(base_sharpness / gaps.min().clamp(min=1e-6).item())))

    def base_scores(self, maskige: Tensor) -> Tensor:
        """GSS-FF's X^-1 as (B, K, H, W) fp32 scores; their argmax is the nearest class colour.

        In fp32 also under AMP: the colour distances are a conv, which autocast would run in
        half precision, flipping near ties (frequent under bf16 with Cityscapes' close colours).
        """
        with torch.autocast(device_type=maskige.device.type, enabled=False):
            return self.log_base_scale.float().exp() * self.maskige.scores(maskige.float())

    def forward(self, maskige: Tensor) -> Tensor:
        logits = self.classifier(self.mixer(self.project(maskige)))
        if self.mode == 'residual':
            logits = logits.float() + self.base_scores(maskige)
        return logits
