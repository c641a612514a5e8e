"""Backbones that ship with their weights (no model hub needed), and HRNet as openseg.pytorch
computes it (the released ProtoSeg checkpoint's backbone)."""
from gss.models.backbones.efficientnet_lite0 import EfficientNetLite0
from gss.models.backbones.openseg_hrnet import OpenSegHRNet

__all__ = ['EfficientNetLite0', 'OpenSegHRNet']
