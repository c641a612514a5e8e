"""HRNet as openseg.pytorch computes it, the backbone of the released ProtoSeg checkpoint.

openseg's HRNet has mmseg's parameter names and shapes but fuses a lower-resolution branch into a
higher one differently: conv -> BN -> bilinear resize to the target branch's size with
``align_corners=True``, where mmseg's does conv -> BN -> ``Upsample(scale_factor,
align_corners=False)`` -> resize with ``align_corners=False``. The two differ far beyond
rounding, even on random weights (docs/models.md), so the released weights need openseg's rule to
give their outputs.
"""
from __future__ import annotations

from typing import List

import torch.nn.functional as F
from mmseg.models.backbones.hrnet import HRModule, HRNet
from mmseg.registry import MODELS
from torch import Tensor


class OpenSegHRModule(HRModule):
    """mmseg's ``HRModule`` with openseg's fuse step (same parameters)."""

    def forward(self, x: List[Tensor]) -> List[Tensor]:
        """Branch-wise (B, C_i, H_i, W_i) maps -> the fused maps, one per output branch."""
        x = [branch(level) for branch, level in zip(self.branches, x)]
        if self.num_branches == 1:
            return x
        fused = []
        for i, fuse_layer in enumerate(self.fuse_layers):
            y = 0
            for j, level in enumerate(x):
                if j == i:
                    y = y + level
                elif j > i:
                    # fuse_layer[j] is (conv, norm, Upsample); the Upsample has no parameters and
                    # is replaced by openseg's one resize straight to the target size.
                    reduced = fuse_layer[j][1](fuse_layer[j][0](level))
                    y = y + F.interpolate(reduced, size=x[i].shape[2:], mode='bilinear',
                                          align_corners=True)
                else:
                    y = y + fuse_layer[j](level)
            fused.append(self.relu(y))
        return fused


@MODELS.register_module()
class OpenSegHRNet(HRNet):
    """mmseg's ``HRNet`` (same arguments and state-dict keys) whose HRModules fuse branches as
    openseg.pytorch does (ProtoSeg's released HRNet-W48)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # mmseg builds the HRModules inside HRNet._make_stage; switching their class afterwards
        # changes only forward() and avoids copying that method. The subclass adds no state.
        for module in self.modules():
            if type(module) is HRModule:
                module.__class__ = OpenSegHRModule
