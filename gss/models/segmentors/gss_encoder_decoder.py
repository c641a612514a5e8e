"""mmseg's EncoderDecoder with the option GSS-FT-W needs: a frozen image network."""
from __future__ import annotations

from typing import List

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class GSSEncoderDecoder(EncoderDecoder):
    """EncoderDecoder whose backbone (and neck) can be frozen.

    Args:
        freeze_image_network: no gradients, no optimiser updates and fixed BN statistics for
            the backbone and neck (GSS-FT-W trains only X^-1 on top of a GSS-FF network); they
            then also run under ``no_grad``, which saves their activations' memory.
        Others: as :class:`mmseg.models.EncoderDecoder`.
    """

    def __init__(self, *args, freeze_image_network: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.freeze_image_network = freeze_image_network
        if freeze_image_network:
            for module in self._image_network():
                for param in module.parameters():
                    param.requires_grad_(False)

    def _image_network(self) -> List[torch.nn.Module]:
        return [self.backbone] + ([self.neck] if self.with_neck else [])

    def train(self, mode: bool = True) -> 'GSSEncoderDecoder':
        super().train(mode)
        if self.freeze_image_network:
            for module in self._image_network():
                module.eval()
        return self

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        if self.freeze_image_network:
            with torch.no_grad():
                return super().extract_feat(inputs)
        return super().extract_feat(inputs)
