"""Losses registered for configs' ``loss_decode``, and the token cells' class weights."""
from gss.models.losses.rare_class_cell_weights import rare_class_cell_weights
from gss.models.losses.token_cross_entropy import TokenCrossEntropyLoss

__all__ = ['TokenCrossEntropyLoss', 'rare_class_cell_weights']
