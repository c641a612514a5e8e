"""Losses registered for configs' ``loss_decode``, and the token cells' class weights."""
from gss.models.losses.class_balanced_cross_entropy import ClassBalancedCrossEntropyLoss
from gss.models.losses.rare_class_cell_weights import rare_class_cell_weights

__all__ = ['ClassBalancedCrossEntropyLoss', 'rare_class_cell_weights']
