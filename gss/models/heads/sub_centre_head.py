"""What GMMSeg and ProtoSeg share: classes as sets of M sub-centres in an L2-normalised pixel
embedding space, scored per pixel, assigned by Sinkhorn and updated without gradients.

A subclass supplies the embedding (:meth:`embed`), the score of a pixel under every sub-centre
(:meth:`sub_centre_scores`; Gaussian log-likelihoods or cosine similarities), the auxiliary loss
on those scores (:meth:`sub_centre_loss`) and the update of the sub-centres
(:meth:`update_sub_centres`). The class logit is, as in both released codes, the best
sub-centre's score followed by LayerNorm over the classes.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.utils import SampleList
from torch import Tensor, nn

from gss.models.layers.sinkhorn import class_sinkhorn

#: Target of pixels without a sub-centre (ignore label); component indices can exceed 255.
NO_SUB_CENTRE = -1


class SubCentreHead(BaseDecodeHead):
    """Base decode head of the sub-centre family.

    Args:
        embed_dim: width of the pixel embedding.
        num_sub_centres: M, sub-centres per class.
        sinkhorn_eps, sinkhorn_iters: the assignment's regularisation and iterations.
    """

    #: Name of the open-set score, minus the best sub-centre score (:meth:`open_set_scores`).
    OPEN_SET_SCORE = 'sub_centre_score'

    def __init__(self, embed_dim: int = 64, num_sub_centres: int = 5,
                 sinkhorn_eps: float = 0.05, sinkhorn_iters: int = 3, **kwargs) -> None:
        kwargs.setdefault('init_cfg', None)  # the stock one initialises conv_seg, dropped below
        super().__init__(input_transform='multiple_select', **kwargs)
        # The stock classifier is never used; as a parameter without gradient it would force
        # DDP's find_unused_parameters.
        del self.conv_seg
        self.embed_dim = embed_dim
        self.num_sub_centres = num_sub_centres
        self.sinkhorn_eps = sinkhorn_eps
        self.sinkhorn_iters = sinkhorn_iters
        self.mask_norm = nn.LayerNorm(self.num_classes)

    # ------------------------------------------------------------------------ subclass API
    def embed(self, inputs: List[Tensor]) -> Tensor:
        """(B, D, h, w) unit-length pixel embeddings at the head's output scale."""
        raise NotImplementedError

    def sub_centre_scores(self, embeddings: Tensor) -> Tensor:
        """(N, D) embeddings -> (N, C * M) scores, sub-centre m of class c at c * M + m."""
        raise NotImplementedError

    def assignment_scores(self, own_scores: Tensor, labels: Tensor) -> Tensor:
        """What Sinkhorn sees for (n, M) scores of pixels under their own class's sub-centres."""
        return own_scores

    def sub_centre_loss(self, scores: Tensor, targets: Tensor) -> Dict[str, Tensor]:
        """Auxiliary losses on (N, C * M) scores; ``targets`` hold c * M + m or NO_SUB_CENTRE."""
        raise NotImplementedError

    def update_sub_centres(self, embeddings: Tensor, targets: Tensor, correct: Tensor,
                           present: Tensor) -> None:
        """Update the sub-centres (no gradient) from the correctly classified pixels' embeddings.

        ``present``: (C,) classes with labelled pixels in this batch, on this process only.
        """
        raise NotImplementedError

    def maybe_dropout(self, x: Tensor) -> Tensor:
        return x if self.dropout is None else self.dropout(x)

    # ------------------------------------------------------------------------ scores to logits
    def class_scores(self, scores: Tensor) -> Tensor:
        """(N, C * M) sub-centre scores -> (N, C) class scores (before LayerNorm): the best
        sub-centre of each class, as both released codes score a class."""
        return scores.view(scores.shape[0], self.num_classes, self.num_sub_centres).max(2).values

    def embed_and_score(self, inputs: List[Tensor]) -> Tuple[Tensor, Tensor, Tensor]:
        """Flattened (N, D) embeddings in (b, y, x) order, their (N, C * M) scores, and the
        (B, C, h, w) class logits."""
        maps = self.embed(self._transform_inputs(inputs))
        embeddings = maps.permute(0, 2, 3, 1).reshape(-1, maps.shape[1])
        scores = self.sub_centre_scores(embeddings)
        logits = self.mask_norm(self.class_scores(scores))
        return embeddings, scores, self.to_map(logits, maps)

    @staticmethod
    def to_map(rows: Tensor, like: Tensor) -> Tensor:
        """(N, K) rows in (b, y, x) order -> (B, K, h, w) shaped as the (B, D, h, w) ``like``."""
        b, _, h, w = like.shape
        return rows.view(b, h, w, -1).permute(0, 3, 1, 2)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        return self.embed_and_score(inputs)[2]

    def raw_class_scores(self, inputs: List[Tensor]) -> Tuple[Tensor, Tensor]:
        """(B, C, h, w) class logits and the raw class scores under them: each class's best
        sub-centre score, before LayerNorm."""
        _, scores, logits = self.embed_and_score(inputs)
        return logits, self.to_map(self.class_scores(scores), logits)

    def open_set_scores(self, inputs: List[Tensor]) -> Dict[str, Tensor]:
        """Per-pixel unknown-class scores, (B, 1, h, w) each, higher for less known pixels:
        minus the best raw class score, named by the subclass (:attr:`OPEN_SET_SCORE`)."""
        best = self.raw_class_scores(inputs)[1].max(1, keepdim=True).values
        return {self.OPEN_SET_SCORE: -best}

    # ------------------------------------------------------------------------ training
    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList, train_cfg) -> dict:
        embeddings, scores, logits = self.embed_and_score(inputs)
        losses = self.loss_by_feat(logits, batch_data_samples)
        gt = self._stack_batch_gt(batch_data_samples)
        labels = F.interpolate(gt.float(), size=logits.shape[2:], mode='nearest').long()
        labels = labels.flatten()
        valid = (labels >= 0) & (labels < self.num_classes)
        targets = self.sub_centre_targets(scores.detach(), labels, valid)
        losses.update(self.sub_centre_loss(scores, targets))
        with torch.no_grad():
            predicted = logits.detach().permute(0, 2, 3, 1).reshape(-1, self.num_classes)
            correct = valid & (predicted.argmax(1) == labels)
            present = torch.bincount(labels[valid], minlength=self.num_classes) > 0
            # fp32 statistics, also under AMP.
            self.update_sub_centres(embeddings.detach().float(), targets, correct, present)
        return losses

    @torch.no_grad()
    def sub_centre_targets(self, scores: Tensor, labels: Tensor, valid: Tensor) -> Tensor:
        """c * M + m for every labelled pixel, m its hard Sinkhorn assignment among class c's
        sub-centres (misclassified pixels included); NO_SUB_CENTRE elsewhere."""
        m = self.num_sub_centres
        targets = torch.full_like(labels, NO_SUB_CENTRE)
        if not valid.any():
            return targets
        own_labels = labels[valid]
        per_class = scores[valid].view(-1, self.num_classes, m)
        own = per_class[torch.arange(len(own_labels), device=scores.device), own_labels]
        plan = class_sinkhorn(self.assignment_scores(own.float(), own_labels), own_labels,
                              self.num_classes, self.sinkhorn_eps, self.sinkhorn_iters)
        targets[valid] = own_labels * m + plan.argmax(1)
        return targets

    def _init_normalised(self, shape: Tuple[int, ...]) -> Tensor:
        """Sub-centre directions: truncated normal (std 0.02), as both originals, on the sphere."""
        return F.normalize(nn.init.trunc_normal_(torch.empty(shape), std=0.02), dim=-1)
