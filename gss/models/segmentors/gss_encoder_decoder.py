"""mmseg's EncoderDecoder with the one freezing rule of GSS-FT-W."""
from __future__ import annotations

from typing import List, Optional

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from torch import Tensor, nn

from gss.errors import InputError


@MODELS.register_module()
class GSSEncoderDecoder(EncoderDecoder):
    """EncoderDecoder that can freeze the image network I_psi for GSS-FT-W.

    Args:
        freeze_image_network: GSS-FT-W learns only X^-1 (the decode head's
            ``learned_inverse``) on a trained GSS-FF network. With True, every other parameter
            (backbone, neck, the head's token branch, an auxiliary head) gets no gradient and
            no optimiser update, and every other module keeps its BN statistics fixed; the
            backbone and neck also run under ``no_grad``, which saves their activations'
            memory. It must be True exactly when the decode head has a learned X^-1: either
            mismatch is refused when the model is built.
        Others: as :class:`mmseg.models.EncoderDecoder`.
    """

    def __init__(self, *args, freeze_image_network: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        head = type(self.decode_head).__name__
        if self.learned_x_inverse is not None and not freeze_image_network:
            raise InputError(f'decode_head {head} learns only X^-1 on a frozen GSS-FF network: '
                             f'set model.freeze_image_network=True')
        if self.learned_x_inverse is None and freeze_image_network:
            raise InputError(f'model.freeze_image_network=True would leave nothing to learn: '
                             f'decode_head {head} has no learned X^-1 (it is for GSSFTWHead)')
        self.freeze_image_network = freeze_image_network
        if freeze_image_network:
            for module in self.frozen_modules():
                for param in module.parameters():
                    param.requires_grad_(False)

    @property
    def learned_x_inverse(self) -> Optional[nn.Module]:
        return getattr(self.decode_head, 'learned_inverse', None)

    def frozen_modules(self) -> List[nn.Module]:
        """Every child module but the head, and every child of the head but X^-1."""
        modules = [m for name, m in self.named_children() if name != 'decode_head']
        return modules + [m for m in self.decode_head.children()
                          if m is not self.learned_x_inverse]

    def train(self, mode: bool = True) -> 'GSSEncoderDecoder':
        super().train(mode)
        if self.freeze_image_network:
            for module in self.frozen_modules():
                module.eval()
        return self

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        if self.freeze_image_network:
            with torch.no_grad():
                return super().extract_feat(inputs)
        return super().extract_feat(inputs)
