"""ProtoSeg's head (Zhou et al., CVPR 2022): every class K prototypes on the unit sphere; a
pixel's class logit is its best cosine similarity to the class's prototypes.

As released (HRNet-W48): backbone levels upsampled to 1/4 scale and concatenated, a 3x3 conv
(BN, ReLU), dropout, a projection (1x1 conv, ReLU, 1x1 conv), L2, LayerNorm, L2; logits = max
over prototypes then LayerNorm over classes; Sinkhorn (eps 0.05, 3 iterations) assigns each
class's pixels to its prototypes; losses CE + 0.01 PPC (CE over the C * K cosines) + 0.001 PPD
((1 - cosine to the assigned prototype)^2); prototypes follow the correctly classified pixels
assigned to them with momentum 0.999.

Fixed here (docs/models.md, ProtoSeg): the update uses the hard Sinkhorn assignment (the original
drew a Gumbel sample from probabilities, sending most pixels to random prototypes); the
clustering runs without gradients; prototypes are a buffer updated in place; across processes
the per-prototype sums and counts are all-reduced before one update (identical on every rank);
PPC has the paper's temperature (0.1); the loop over classes is vectorised; the first L2 spans
each pixel's channels (the released code's spans the width axis; ``projection_l2_axis='width'``
keeps that for its checkpoint, tools/model_converters/protoseg_original_to_gss.py).
"""
from __future__ import annotations

from typing import Dict, List

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.dist import all_reduce
from mmseg.registry import MODELS
from torch import Tensor, nn

from gss.models.heads.sub_centre_head import NO_SUB_CENTRE, SubCentreHead

#: Dimension of a (B, D, h, w) map that each ``projection_l2_axis`` normalises.
PROJECTION_L2_DIMS = {'channels': 1, 'width': 3}


@MODELS.register_module()
class ProtoSegHead(SubCentreHead):
    """ProtoSeg decode head.

    Args:
        num_prototypes: K prototypes per class (10).
        momentum: weight of the old prototype in each update (0.999). Its time constant,
            1 / (1 - momentum) iterations, should be well below the schedule's length.
        ppc_temperature: temperature of the prototype CE (paper: 0.1; released code: 1).
        ppc_weight, ppd_weight: loss weights (0.01, 0.001).
        projection_l2_axis: the axis of the (B, D, h, w) projection that the L2 normalisation
            before ``feat_norm`` spans: 'channels' (the paper's per-pixel normalisation) or
            'width'. The released code normalises along the last axis of the NCHW map, the
            width; 'width' reproduces that and is needed to get the released checkpoint's
            outputs. It makes every pixel depend on its whole row, so slide inference then
            differs from whole-image inference.
    """

    OPEN_SET_SCORE = 'prototype_similarity'  # minus the best prototype cosine

    def __init__(self, num_prototypes: int = 10, momentum: float = 0.999,
                 ppc_temperature: float = 0.1, ppc_weight: float = 0.01,
                 ppd_weight: float = 0.001, projection_l2_axis: str = 'channels',
                 **kwargs) -> None:
        if projection_l2_axis not in PROJECTION_L2_DIMS:
            raise ValueError(f"projection_l2_axis must be 'channels' or 'width', got "
                             f"{projection_l2_axis!r}")
        super().__init__(num_sub_centres=num_prototypes, **kwargs)
        self.projection_l2_axis = projection_l2_axis
        self.momentum = momentum
        self.ppc_temperature = ppc_temperature
        self.ppc_weight = ppc_weight
        self.ppd_weight = ppd_weight
        self.fuse = ConvModule(sum(self.in_channels), self.channels, 3, padding=1,
                               conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                               act_cfg=self.act_cfg)
        self.projection = nn.Sequential(
            nn.Conv2d(self.channels, self.channels, 1), nn.ReLU(inplace=True),
            nn.Conv2d(self.channels, self.embed_dim, 1))
        self.feat_norm = nn.LayerNorm(self.embed_dim)
        self.register_buffer('prototypes', self._init_normalised(
            (self.num_classes, num_prototypes, self.embed_dim)))

    def embed(self, inputs: List[Tensor]) -> Tensor:
        size = inputs[0].shape[2:]
        maps = [x if x.shape[2:] == size else F.interpolate(
            x, size=size, mode='bilinear', align_corners=self.align_corners) for x in inputs]
        x = F.normalize(self.projection(self.maybe_dropout(self.fuse(torch.cat(maps, 1)))),
                        dim=PROJECTION_L2_DIMS[self.projection_l2_axis])
        x = self.feat_norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return F.normalize(x, dim=1)

    def sub_centre_scores(self, embeddings: Tensor) -> Tensor:
        """Cosine similarities (both sides have unit length)."""
        # A copy: autograd keeps it for the backward pass, and the update below changes the
        # buffer in place before that.
        return embeddings @ self.prototypes.view(-1, self.embed_dim).T.clone()

    def sub_centre_loss(self, scores: Tensor, targets: Tensor) -> Dict[str, Tensor]:
        valid = targets != NO_SUB_CENTRE
        if not valid.any():
            zero = scores.sum() * 0
            return dict(loss_ppc=zero, loss_ppd=zero)
        ppc = F.cross_entropy(scores / self.ppc_temperature, targets, ignore_index=NO_SUB_CENTRE)
        assigned = scores[valid].gather(1, targets[valid, None])
        ppd = (1 - assigned).pow(2).mean()
        return dict(loss_ppc=self.ppc_weight * ppc, loss_ppd=self.ppd_weight * ppd)

    @torch.no_grad()
    def update_sub_centres(self, embeddings: Tensor, targets: Tensor, correct: Tensor,
                           present: Tensor) -> None:
        groups = self.num_classes * self.num_sub_centres
        chosen = correct & (targets != NO_SUB_CENTRE)
        sums = embeddings.new_zeros(groups, self.embed_dim).index_add_(
            0, targets[chosen], embeddings[chosen])
        counts = torch.bincount(targets[chosen], minlength=groups).to(embeddings.dtype)
        all_reduce(sums, op='sum')
        all_reduce(counts, op='sum')
        prototypes = self.prototypes.view(-1, self.embed_dim)
        moved = F.normalize(self.momentum * prototypes
                            + (1 - self.momentum) * F.normalize(sums, dim=-1), dim=-1)
        prototypes.copy_(torch.where(counts[:, None] > 0, moved, prototypes))
