"""GMMSeg's head (Liang et al., NeurIPS 2022): every class a mixture of M diagonal Gaussians over
L2-normalised pixel embeddings, fitted by EM on a memory of correctly classified pixels.

As released: SegFormer-style fusion at 1/4 scale, 1x1 projection (conv, BN, ReLU) to a 64-d
embedding, LayerNorm, L2; class score = best component's log-density, then LayerNorm over classes;
Sinkhorn (eps 0.05, 3 iterations) on each class's max-abs-normalised log-likelihoods picks a
component per pixel; losses CE + 0.01 x CE over the C * M log-likelihoods; every iteration up to
20 evenly spaced correctly classified pixels per component join a ring memory; every 5 iterations
the M-step moves each component's mean towards the memory's (momentum) and sets its standard
deviations from the memory's spread.

Fixed here (docs/models.md, GMMSeg): log-densities by two matrix products instead of an
(N, C * M, D) broadcast; only filled memory slots enter the M-step; the memory is a
non-persistent buffer (not in checkpoints) of ``memory_size`` slots per component; all-gather
only when distributed, so one process works; enqueue and EM are vectorised over classes and
components; the momentum mean is re-normalised at once and the variance is taken about it, the
mean the density uses; means and deviations are buffers updated in place.
"""
from __future__ import annotations

import math
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.dist import all_gather, all_reduce
from mmseg.registry import MODELS
from torch import Tensor

from gss.errors import InputError
from gss.models.heads.sub_centre_head import NO_SUB_CENTRE, SubCentreHead
from gss.models.layers import LevelFusion

VARIANCE_FLOOR = 0.01  # added to every variance before the square root, as released


def diagonal_gaussian_log_density(x: Tensor, means: Tensor, stds: Tensor) -> Tensor:
    """log N(x_i; mu_g, diag(sigma_g^2)) for (N, D) points and (G, D) means and deviations.

    The Mahalanobis term expands to x^2 . (1/s^2) - 2 x . (mu/s^2) + sum mu^2/s^2: two (N, D) x
    (D, G) products, so memory is O(N G), not O(N G D).
    """
    inv_var = stds.pow(-2)
    mahalanobis = (x * x) @ inv_var.T - 2 * x @ (means * inv_var).T \
        + (means * means * inv_var).sum(1)
    log_norm = 0.5 * x.shape[1] * math.log(2 * math.pi) + stds.log().sum(1)
    return -0.5 * mahalanobis - log_norm


def em_steps_after(iterations: int, em_interval: int) -> int:
    """How many M-steps ``iterations`` training iterations take: the released code runs one
    when its counter, read before the iteration increments it, is a multiple of the interval
    (0-based iterations 0, em_interval, 2 em_interval, ...), so ceil(iterations / interval).

    Raises:
        InputError: ``em_interval`` is not a positive integer.
    """
    check_em_interval(em_interval)
    return -(-iterations // em_interval)


def check_em_interval(em_interval: int) -> None:
    """Raise :class:`InputError` unless ``em_interval`` is a positive integer."""
    if isinstance(em_interval, bool) or not isinstance(em_interval, int) or em_interval < 1:
        raise InputError(f'em_interval must be a positive integer (iterations between M-steps), '
                         f'got {em_interval!r}')


def evenly_spaced_per_group(values: Tensor, groups: Tensor, num_groups: int,
                            per_group: int) -> Tuple[Tensor, Tensor]:
    """Up to ``per_group`` rows of ``values`` for every group, evenly spaced in their order.

    Returns (num_groups, per_group, D) samples (zero-padded) and (num_groups,) counts taken.
    The released code picks its 20 memory candidates per component the same way (linspace).
    """
    counts = torch.bincount(groups, minlength=num_groups)
    taken = counts.clamp(max=per_group)
    starts = counts.cumsum(0) - counts
    step = torch.arange(per_group, device=values.device)
    index = starts[:, None] + step[None] * counts[:, None] // taken.clamp(min=1)[:, None]
    valid = step[None] < taken[:, None]
    ordered = values[torch.argsort(groups, stable=True)]
    if len(ordered) == 0:
        return values.new_zeros(num_groups, per_group, values.shape[1]), taken
    samples = ordered[index.clamp(max=len(ordered) - 1)] * valid[..., None]
    return samples, taken


@MODELS.register_module()
class GMMSegHead(SubCentreHead):
    """GMMSeg decode head.

    Args:
        num_components: M Gaussians per class (5 for Cityscapes/COCO-Stuff, 8 for ADE20K).
        memory_size: ring-memory slots per component (released: 32000, 0.8-9.8 GB in every
            checkpoint; here not checkpointed, 1000 by default).
        samples_per_iter: memory candidates per component and iteration (20).
        em_interval: iterations between M-steps (5); they run at 0-based iterations 0,
            em_interval, 2 em_interval, ... (:func:`em_steps_after`).
        mean_momentum: weight of the old mean in the M-step (0.999). Its time constant,
            em_interval / (1 - mean_momentum) iterations, should be well below the schedule's
            length: short schedules use a smaller value.
        std_momentum: weight of the old deviations (0: replaced, as released).
        component_loss_weight: weight of the CE over the C * M log-likelihoods (0.01).
    """

    OPEN_SET_SCORE = 'log_likelihood'  # -max_c log p(x | c), as test_cfg.open_set writes it

    def __init__(self, num_components: int = 5, memory_size: int = 1000,
                 samples_per_iter: int = 20, em_interval: int = 5,
                 mean_momentum: float = 0.999, std_momentum: float = 0.0,
                 component_loss_weight: float = 0.01, **kwargs) -> None:
        super().__init__(num_sub_centres=num_components, **kwargs)
        check_em_interval(em_interval)
        if samples_per_iter > memory_size:
            raise ValueError(f'samples_per_iter ({samples_per_iter}) must not exceed '
                             f'memory_size ({memory_size})')
        self.memory_size = memory_size
        self.samples_per_iter = samples_per_iter
        self.em_interval = em_interval
        self.mean_momentum = mean_momentum
        self.std_momentum = std_momentum
        self.component_loss_weight = component_loss_weight
        common = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        self.fusion = LevelFusion(self.in_channels, self.channels, self.channels, 0,
                                  align_corners=self.align_corners, **common)
        self.projection = ConvModule(self.channels, self.embed_dim, 1, **common)
        self.feat_norm = torch.nn.LayerNorm(self.embed_dim)
        groups = self.num_classes * num_components
        shape = (self.num_classes, num_components, self.embed_dim)
        self.register_buffer('means', self._init_normalised(shape))
        self.register_buffer('stds', torch.ones(shape))
        self.register_buffer('em_steps_taken', torch.zeros((), dtype=torch.long))
        self.register_buffer('iteration', torch.zeros((), dtype=torch.long))
        self.register_buffer('memory', torch.zeros(groups, memory_size, self.embed_dim),
                             persistent=False)
        self.register_buffer('memory_ptr', torch.zeros(groups, dtype=torch.long),
                             persistent=False)
        self.register_buffer('memory_filled', torch.zeros(groups, dtype=torch.long),
                             persistent=False)

    # ------------------------------------------------------------------------ embedding, scores
    def embed(self, inputs: List[Tensor]) -> Tensor:
        x = self.projection(self.maybe_dropout(self.fusion(inputs)))
        x = self.feat_norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return F.normalize(x, dim=1)

    def sub_centre_scores(self, embeddings: Tensor) -> Tensor:
        # Likelihoods need fp32 (large, nearly cancelling terms), also under AMP.
        with torch.autocast(device_type=embeddings.device.type, enabled=False):
            return diagonal_gaussian_log_density(
                embeddings.float(), self.means.view(-1, self.embed_dim),
                self.stds.view(-1, self.embed_dim))

    def assignment_scores(self, own_scores: Tensor, labels: Tensor) -> Tensor:
        """Each class's log-likelihoods divided by their largest magnitude, as released (the
        effective Sinkhorn temperature thus depends on the batch)."""
        scale = own_scores.new_zeros(self.num_classes).scatter_reduce(
            0, labels, own_scores.abs().amax(1), reduce='amax', include_self=True)
        return own_scores / scale.clamp(min=1e-12)[labels][:, None]

    def sub_centre_loss(self, scores: Tensor, targets: Tensor) -> Dict[str, Tensor]:
        if not (targets != NO_SUB_CENTRE).any():
            return dict(loss_component=scores.sum() * 0)
        return dict(loss_component=self.component_loss_weight * F.cross_entropy(
            scores, targets, ignore_index=NO_SUB_CENTRE))

    # ------------------------------------------------------------------------ open set
    def class_log_likelihoods(self, inputs: List[Tensor]) -> Tuple[Tensor, Tensor]:
        """(B, C, h, w) class logits and raw class log-likelihoods log p(x | c) (of the best
        component), before LayerNorm."""
        return self.raw_class_scores(inputs)

    def predict(self, inputs: List[Tensor], batch_img_metas: List[dict], test_cfg) -> Tensor:
        """With ``test_cfg.open_set``: the C logits, then the C class log-likelihoods, then the
        anomaly score -max_c log p(x | c), resized together (OpenSetEncoderDecoder splits them)."""
        if not (test_cfg or {}).get('open_set', False):
            return super().predict(inputs, batch_img_metas, test_cfg)
        logits, class_ll = self.class_log_likelihoods(inputs)
        anomaly = -class_ll.max(1, keepdim=True).values
        return self.predict_by_feat(torch.cat([logits, class_ll, anomaly], 1), batch_img_metas)

    # ------------------------------------------------------------------------ memory and EM
    @torch.no_grad()
    def update_sub_centres(self, embeddings: Tensor, targets: Tensor, correct: Tensor,
                           present: Tensor) -> None:
        groups = self.num_classes * self.num_sub_centres
        chosen = correct & (targets != NO_SUB_CENTRE)
        samples, taken = evenly_spaced_per_group(embeddings[chosen], targets[chosen], groups,
                                                 self.samples_per_iter)
        samples, taken = self._gather_candidates(samples, taken)
        present = present.long()
        all_reduce(present, op='sum')
        self._enqueue(samples, taken)
        # Tested before the increment, as released: the first iteration already runs an
        # M-step. ``iteration`` is a persistent buffer, so the phase survives a resume.
        if int(self.iteration) % self.em_interval == 0:
            self.m_step(present > 0)
        self.iteration += 1

    def _gather_candidates(self, samples: Tensor, taken: Tensor) -> Tuple[Tensor, Tensor]:
        """All processes' candidates, subsampled again to ``samples_per_iter`` per component:
        the same tensors on every rank, so every rank's memory and EM stay identical."""
        gathered = all_gather(samples)
        if len(gathered) == 1:
            return samples, taken
        counts = torch.stack(all_gather(taken), 1)  # (G, W)
        stacked = torch.stack(gathered, 1)  # (G, W, S, D)
        step = torch.arange(samples.shape[1], device=samples.device)
        valid = step[None, None] < counts[..., None]
        group_ids = torch.arange(len(samples), device=samples.device)[:, None, None]
        return evenly_spaced_per_group(stacked[valid], group_ids.expand_as(valid)[valid],
                                       len(samples), self.samples_per_iter)

    def _enqueue(self, samples: Tensor, taken: Tensor) -> None:
        groups, per_group = samples.shape[:2]
        step = torch.arange(per_group, device=samples.device)
        valid = step[None] < taken[:, None]
        slots = (self.memory_ptr[:, None] + step[None]) % self.memory_size
        flat = torch.arange(groups, device=samples.device)[:, None] * self.memory_size + slots
        self.memory.view(-1, self.embed_dim)[flat[valid]] = samples[valid]
        self.memory_ptr.copy_((self.memory_ptr + taken) % self.memory_size)
        self.memory_filled.copy_((self.memory_filled + taken).clamp(max=self.memory_size))

    @torch.no_grad()
    def m_step(self, present: Tensor) -> None:
        """Refit the components of the ``present`` (C,) classes from their filled memory."""
        slots = torch.arange(self.memory_size, device=self.memory.device)
        filled = (slots[None] < self.memory_filled[:, None]).unsqueeze(-1)  # (G, K, 1)
        count = self.memory_filled.clamp(min=1)[:, None].to(self.memory.dtype)
        old_means = self.means.view(-1, self.embed_dim)
        old_stds = self.stds.view(-1, self.embed_dim)
        memory_mean = F.normalize((self.memory * filled).sum(1), dim=-1)
        means = F.normalize(self.mean_momentum * old_means
                            + (1 - self.mean_momentum) * memory_mean, dim=-1)
        variance = ((self.memory - means[:, None]).pow(2) * filled).sum(1) / count
        stds = (self.std_momentum * old_stds
                + (1 - self.std_momentum) * (variance + VARIANCE_FLOOR).sqrt())
        update = (present.repeat_interleave(self.num_sub_centres)
                  & (self.memory_filled > 0))[:, None]
        old_means.copy_(torch.where(update, means, old_means))
        old_stds.copy_(torch.where(update, stds, old_stds))
        self.em_steps_taken += 1
