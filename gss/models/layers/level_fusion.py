"""Multi-level feature fusion shared by the heads: every backbone level to one scale."""
from typing import Sequence

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from torch import Tensor, nn


class LevelFusion(nn.Module):
    """1x1 conv of every level, resized to one level's size, concatenated, fused by a 1x1 conv."""

    def __init__(self, in_channels: Sequence[int], channels: int, out_channels: int,
                 target_level: int, conv_cfg, norm_cfg, act_cfg, align_corners: bool) -> None:
        super().__init__()
        self.lateral = nn.ModuleList([
            ConvModule(c, channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
            for c in in_channels])
        self.fuse = ConvModule(channels * len(in_channels), out_channels, 1, conv_cfg=conv_cfg,
                               norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.target_level = target_level
        self.align_corners = align_corners

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        size = inputs[self.target_level].shape[2:]
        maps = [F.interpolate(conv(x), size=size, mode='bilinear',
                              align_corners=self.align_corners) if x.shape[2:] != size
                else conv(x) for conv, x in zip(self.lateral, inputs)]
        return self.fuse(torch.cat(maps, dim=1))
