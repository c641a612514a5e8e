"""A pure-PyTorch ``mmcv.ops`` for when mmcv's compiled extension is absent.

mmsegmentation 1.2.2 imports ``mmcv.ops`` at import time, and mmcv-lite ships no compiled ops,
so without this module ``import mmseg`` fails. It is the one patch that
``GSS_NO_COMPAT=1`` leaves on (see :mod:`gss.compat`).
"""
from __future__ import annotations

import importlib.util
import sys
import types
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor


def point_sample(input: Tensor, points: Tensor, align_corners: bool = False,
                 **kwargs) -> Tensor:
    """Bilinearly sample ``input`` at normalised point coordinates, as ``mmcv.ops.point_sample``.

    Args:
        input: feature map (N, C, H, W).
        points: coordinates in [0, 1] x [0, 1], (x, y) order, shape (N, P, 2) or (N, Hg, Wg, 2).
        align_corners: passed to :func:`torch.nn.functional.grid_sample`.

    Returns:
        (N, C, P) or (N, C, Hg, Wg) sampled features.
    """
    squeeze = points.dim() == 3
    grid = points.unsqueeze(2) if squeeze else points
    # grid_sample wants [-1, 1]; mmcv's convention is [0, 1].
    out = F.grid_sample(input, grid * 2.0 - 1.0, align_corners=align_corners, **kwargs)
    return out.squeeze(3) if squeeze else out


def sigmoid_focal_loss(input: Tensor, target: Tensor, gamma: float = 2.0, alpha: float = 0.25,
                       weight: Optional[Tensor] = None, reduction: str = 'mean') -> Tensor:
    """Sigmoid focal loss with the semantics of mmcv's compiled kernel.

    Args:
        input: logits (N, C).
        target: class index per row (N,); an index outside [0, C) marks a row with no positive
            class (mmcv uses C for background).
        gamma, alpha: focal-loss parameters (Lin et al. 2017).
        weight: optional per-class weight (C,), applied by the row's target class.
        reduction: 'none' -> (N, C); 'mean' -> sum / N (mmcv divides by N, not N * C); 'sum'.
    """
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(f"sigmoid_focal_loss: reduction must be 'none', 'mean' or 'sum', "
                         f'got {reduction!r}')
    num_classes = input.size(1)
    classes = torch.arange(num_classes, device=input.device)
    positive = (target.unsqueeze(1) == classes).to(input.dtype)
    prob = input.sigmoid()
    # log(sigmoid(x)) and log(1 - sigmoid(x)) through logsigmoid for numerical stability.
    pos_term = -alpha * (1 - prob).pow(gamma) * F.logsigmoid(input)
    neg_term = -(1 - alpha) * prob.pow(gamma) * F.logsigmoid(-input)
    loss = positive * pos_term + (1 - positive) * neg_term
    if weight is not None:
        valid = (target >= 0) & (target < num_classes)
        row_weight = torch.where(valid, weight[target.clamp(0, num_classes - 1)],
                                 torch.ones_like(weight[:1]).expand_as(target))
        loss = loss * row_weight.unsqueeze(1)
    if reduction == 'mean':
        return loss.sum() / input.size(0)
    if reduction == 'sum':
        return loss.sum()
    return loss


class _MissingCompiledOp:
    """Placeholder for an mmcv op that needs the compiled extension; fails when used."""

    op_name = 'unknown'

    def __init__(self, *args, **kwargs) -> None:
        raise NotImplementedError(
            f'mmcv.ops.{self.op_name} needs mmcv\'s compiled ops, which are not installed '
            f'(mmcv-lite provides none). Install a full mmcv build that matches your torch, '
            f'or choose a model that does not use {self.op_name}.')


def _missing_op(name: str) -> type:
    return type(name, (_MissingCompiledOp,), {'op_name': name})


def install_mmcv_ops_stand_in() -> bool:
    """Provide a pure-PyTorch ``mmcv.ops`` when mmcv's compiled extension is absent.

    Works around: mmsegmentation 1.2.2 imports ``mmcv.ops`` at import time (``point_sample``,
    ``sigmoid_focal_loss``) but mmcv-lite ships no ``mmcv._ext``, so ``import mmseg.models``
    fails. Any other op resolves to a class that raises a clear error naming the op when it is
    constructed or called, never at import. Remove when mmcv ships compiled ops for this torch.

    Returns:
        True if the stand-in was installed, False if real compiled ops are present.
    """
    if importlib.util.find_spec('mmcv._ext') is not None:
        return False
    existing = sys.modules.get('mmcv.ops')
    if existing is not None and getattr(existing, '__gss_stand_in__', False):
        return True
    import mmcv

    module = types.ModuleType('mmcv.ops', doc='Pure-PyTorch stand-in for mmcv.ops (gss.compat).')
    module.__gss_stand_in__ = True
    module.point_sample = point_sample
    module.sigmoid_focal_loss = sigmoid_focal_loss

    def __getattr__(name: str):
        if name.startswith('__'):
            raise AttributeError(name)
        op = _missing_op(name)
        setattr(module, name, op)
        return op

    module.__getattr__ = __getattr__
    sys.modules['mmcv.ops'] = module
    mmcv.ops = module
    # mmcv.cnn's transformer imports this submodule and warns on every `import mmseg` if it
    # is missing; the placeholder keeps the error for the moment the op is used.
    deform = types.ModuleType('mmcv.ops.multi_scale_deform_attn')
    deform.MultiScaleDeformableAttention = _missing_op('MultiScaleDeformableAttention')
    sys.modules[deform.__name__] = deform
    module.multi_scale_deform_attn = deform
    return True
