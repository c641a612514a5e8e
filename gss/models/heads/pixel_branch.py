"""GSS-FF's auxiliary pixel branch, and the mix of its class probabilities into inference.

GSS-FF trains it next to the token branch (its loss, and the fill of ignore pixels before
tokenising). ``pixel_score_weight`` w mixes its softmax into a head's class probabilities at
inference: (1 - w) x the head's own + w x the pixel branch's. GSS-FT-W can build the same
branch, frozen with the rest of its GSS-FF, to mix it into its learned X^-1's probabilities.
"""
from __future__ import annotations

from typing import List, Optional

import torch.nn.functional as F
from torch import Tensor, nn

from gss.errors import InputError
from gss.models.layers import LevelFusion


class PixelBranchMixin:
    """For a :class:`~gss.models.heads.gss_token_head.GSSTokenHead`: the pixel branch
    (``pixel_fusion`` and ``conv_seg``, the names its checkpoints and the original's converted
    ones use) and the mix of its probabilities."""

    def build_pixel_branch(self, pixel_channel_index: int, single_fusion: bool,
                           pixel_channels: Optional[int], pixel_score_weight: float) -> None:
        """The branch at ``pixel_channel_index``'s size: its own fusion ``pixel_channels``
        wide (None: ``channels``), or the token fusion's map with ``single_fusion``."""
        if not 0 <= pixel_score_weight <= 1:
            raise InputError(f'{type(self).__name__}: pixel_score_weight must lie in [0, 1] '
                             f'(0: no pixel branch at inference), got {pixel_score_weight}')
        self.pixel_score_weight = pixel_score_weight
        self.pixel_channel_index = pixel_channel_index
        self.single_fusion = single_fusion
        if single_fusion:
            if pixel_channels is not None:
                raise InputError(f'{type(self).__name__}: pixel_channels sets the pixel '
                                 f"branch's own fusion; with single_fusion=True there is none "
                                 f'(leave it unset)')
            self.pixel_fusion = None
            self.conv_seg = nn.Conv2d(self.token_channels, self.num_classes, 1)
        else:
            width = self.channels if pixel_channels is None else pixel_channels
            self.pixel_fusion = LevelFusion(self.in_channels, width, width,
                                            pixel_channel_index, **self.conv_settings)
            if width != self.channels:
                self.conv_seg = nn.Conv2d(width, self.num_classes, 1)

    def pixel_logits(self, inputs: List[Tensor], fused: Tensor) -> Tensor:
        """The pixel branch's class logits from the selected inputs (or the token fusion)."""
        return self.cls_seg(fused if self.single_fusion else self.pixel_fusion(inputs))

    def mix_pixel_scores(self, probabilities: Tensor, pixel_logits: Tensor) -> Tensor:
        """(1 - w) x ``probabilities`` + w x the pixel branch's softmax, resized to their size
        (both probabilities, so the mix is one)."""
        pixel = F.interpolate(pixel_logits, size=probabilities.shape[2:], mode='bilinear',
                              align_corners=self.align_corners)
        w = self.pixel_score_weight
        return (1 - w) * probabilities + w * pixel.softmax(1)
