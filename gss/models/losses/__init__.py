"""Losses registered for configs' ``loss_decode``."""
from gss.models.losses.class_balanced_cross_entropy import ClassBalancedCrossEntropyLoss

__all__ = ['ClassBalancedCrossEntropyLoss']
