"""Backbones that ship with their weights (no model hub needed)."""
from gss.models.backbones.efficientnet_lite0 import EfficientNetLite0

__all__ = ['EfficientNetLite0']
