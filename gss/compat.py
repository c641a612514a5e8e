"""Compatibility patches for the pinned stack, applied once when ``gss`` is imported.

Every patch here works around one upstream behaviour of mmcv-lite 2.1 / mmengine 0.10.7 /
mmsegmentation 1.2.2 on a modern torch. Each function says what it works around, how it is
detected, and when it can be deleted. All patches are idempotent and only act where the
upstream behaviour is actually broken, so a full mmcv build or a fixed mmengine is left alone.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import types
import warnings
from typing import Optional

import torch
import torch.distributed as torch_dist
import torch.nn.functional as F
from torch import Tensor, nn

_APPLIED = False


# ---------------------------------------------------------------------------------------------
# 1. mmcv.ops stand-ins
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# 2. Checkpoint loading on torch >= 2.6
# ---------------------------------------------------------------------------------------------
def _checkpoint_safe_globals() -> list:
    """The non-tensor types an mmengine training checkpoint pickles (message hub, numpy)."""
    import numpy as np
    from mmengine.logging import HistoryBuffer

    safe = [HistoryBuffer, np.ndarray, np.dtype]
    core = getattr(np, '_core', None) or np.core
    safe.append(core.multiarray._reconstruct)
    safe.append(core.multiarray.scalar)
    # numpy >= 1.25 pickles dtypes through their per-type classes (np.dtypes.Float64DType, ...).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe.extend(getattr(dtypes, name) for name in dir(dtypes) if name.endswith('DType'))
    return safe


_BUILTIN_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_state(self) -> dict:
    """``HistoryBuffer.__getstate__`` that pickles only *custom* statistics methods.

    Upstream pickles ``HistoryBuffer.min`` etc. by reference (``getattr(HistoryBuffer, 'min')``),
    and ``builtins.getattr`` is a global the safe loader rightly refuses. The four built-ins are
    re-registered by ``__setstate__`` anyway, so leaving them out loses nothing.
    """
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    custom = {name: method for name, method in self._statistics_methods.items()
              if name not in _BUILTIN_STATISTICS}
    if custom:
        state['statistics_methods'] = custom
    return state


def allow_mmengine_checkpoints_in_weights_only_load() -> bool:
    """Let ``torch.load(weights_only=True)`` read mmengine's own training checkpoints.

    Works around: torch >= 2.6 defaults ``torch.load`` to ``weights_only=True``, and mmengine
    0.10.7's loader does not pass the flag, so resuming fails on the ``HistoryBuffer`` and numpy
    arrays that the message hub stores. Rather than turning the safe loader off, the few types
    that mmengine checkpoints contain are allow-listed, and ``HistoryBuffer`` stops pickling its
    built-in methods through ``getattr`` (see :func:`_history_buffer_state`). Checkpoints written
    by plain mmengine still hold ``getattr`` and are refused by torch's safe loader with torch's
    own explanation. Remove when mmengine loads with ``weights_only`` itself.

    Returns:
        True if the allow-list was registered (torch has ``add_safe_globals``).
    """
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:
        return False
    from mmengine.logging import HistoryBuffer

    HistoryBuffer.__getstate__ = _history_buffer_state
    add_safe_globals(_checkpoint_safe_globals())
    return True


def make_checkpoint_saving_atomic() -> None:
    """Write local checkpoints to a temporary file and rename it into place.

    Works around: mmengine 0.10.7 ``torch.save``s straight to ``iter_N.pth``, so a run killed
    while saving leaves a truncated checkpoint under the final name (one that ``--resume PATH``
    or ``load_from`` would then fail on). ``os.replace`` is atomic on POSIX, so a checkpoint
    file is either complete or absent. Other backends (``s3://``, ``pavi://``) are unchanged.
    Remove when mmengine saves atomically.
    """
    from mmengine.runner import runner as runner_module

    from gss.checkpoints import save_atomically

    if getattr(runner_module.save_checkpoint, '__gss_patched__', False):
        return
    original_save = runner_module.save_checkpoint

    def save_checkpoint(checkpoint: dict, filename: str, file_client_args=None,
                        backend_args=None) -> None:
        if '://' in str(filename) or file_client_args or backend_args:
            return original_save(checkpoint, filename, file_client_args, backend_args)
        save_atomically(checkpoint, filename)

    save_checkpoint.__gss_patched__ = True
    runner_module.save_checkpoint = save_checkpoint


# ---------------------------------------------------------------------------------------------
# 3. Distributed runs without CUDA
# ---------------------------------------------------------------------------------------------
def _cpu_backend(backend: str) -> str:
    return 'gloo' if backend in ('nccl', None) else backend


SLURM_VARIABLES = ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST')


def check_slurm_environment() -> None:
    """Fail clearly (instead of a KeyError deep in mmengine) outside an srun task."""
    missing = [name for name in SLURM_VARIABLES if name not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher slurm needs the Slurm task variables {", ".join(missing)}'
                           f', which srun sets; start the job with tools/slurm_train.sh or '
                           f'tools/slurm_test.sh (or use --launcher pytorch with torchrun)')
    if 'MASTER_ADDR' not in os.environ and shutil.which('scontrol') is None:
        raise RuntimeError('--launcher slurm needs scontrol on PATH to find the master node '
                           '(or set MASTER_ADDR)')


def patch_mmengine_dist_init_for_cpu() -> None:
    """Start torchrun / Slurm processes on machines without CUDA.

    Works around: mmengine 0.10.7's ``_init_dist_pytorch`` and ``_init_dist_slurm`` call
    ``torch.cuda.set_device`` unconditionally and default to NCCL, so CPU-only multi-process
    runs fail. Without CUDA we skip ``set_device`` and switch NCCL to gloo; with CUDA the
    original functions run unchanged. Remove when mmengine handles CPU launchers itself.
    """
    from mmengine.dist import utils as dist_utils

    if getattr(dist_utils, '__gss_patched__', False):
        return
    original_pytorch = dist_utils._init_dist_pytorch
    original_slurm = dist_utils._init_dist_slurm

    def init_pytorch(backend: str = 'nccl', init_backend: str = 'torch', **kwargs) -> None:
        if torch.cuda.is_available():
            return original_pytorch(backend, init_backend=init_backend, **kwargs)
        torch_dist.init_process_group(backend=_cpu_backend(backend),
                                      rank=int(os.environ['RANK']),
                                      world_size=int(os.environ['WORLD_SIZE']), **kwargs)

    def init_slurm(backend: str = 'nccl', port: Optional[int] = None,
                   init_backend: str = 'torch', **kwargs) -> None:
        check_slurm_environment()
        if torch.cuda.is_available():
            return original_slurm(backend, port=port, init_backend=init_backend, **kwargs)
        # SLURM_LOCALID is always set by srun; the upstream fallback divides by the GPU count.
        os.environ.setdefault('SLURM_LOCALID', '0')
        real_set_device = torch.cuda.set_device
        torch.cuda.set_device = lambda device: None
        try:
            original_slurm(_cpu_backend(backend), port=port, init_backend=init_backend, **kwargs)
        finally:
            torch.cuda.set_device = real_set_device

    dist_utils._init_dist_pytorch = init_pytorch
    dist_utils._init_dist_slurm = init_slurm
    dist_utils.__gss_patched__ = True


class CPUSyncBatchNorm(nn.modules.batchnorm._BatchNorm):
    """Synchronised batch norm for CPU processes (gloo): statistics over the whole group.

    ``nn.SyncBatchNorm`` refuses CPU tensors, and DDP refuses any ``nn.SyncBatchNorm`` in a CPU
    module, so this is a sibling class rather than a subclass; an ``nn.SyncBatchNorm`` layer is
    converted by swapping its class (same parameters, buffers and ``process_group``). The
    per-channel sum, sum of squares and count are all-reduced with the differentiable
    ``torch.distributed.nn.all_reduce``, so gradients flow through the global statistics as in
    the CUDA kernel. In eval mode or without a process group it is plain batch norm.
    """

    process_group = None

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f'expected at least 2D input (got {input.dim()}D input)')

    def forward(self, input: Tensor) -> Tensor:
        needs_sync = (self.training and torch_dist.is_available()
                      and torch_dist.is_initialized())
        if not needs_sync:
            return super().forward(input)
        from torch.distributed.nn import all_reduce

        # torch 2.14 marks this autograd-aware all_reduce deprecated in favour of a private
        # module; it is the public API on every torch we support (2.11-2.14).
        warnings.filterwarnings('ignore', message='torch.distributed.nn.functional.all_reduce')

        channels = input.size(1)
        reduce_dims = [0] + list(range(2, input.dim()))
        local_count = input.new_tensor([input.numel() / channels])
        stats = torch.cat([input.sum(reduce_dims), (input * input).sum(reduce_dims), local_count])
        stats = all_reduce(stats, group=self.process_group or torch_dist.group.WORLD)
        count = stats[-1]
        mean = stats[:channels] / count
        var = (stats[channels:2 * channels] / count - mean * mean).clamp_min(0)
        if self.track_running_stats:
            self._update_running_stats(mean.detach(), var.detach(), count.detach())
        shape = [1, channels] + [1] * (input.dim() - 2)
        out = (input - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        return out

    @torch.no_grad()
    def _update_running_stats(self, mean: Tensor, var: Tensor, count: Tensor) -> None:
        self.num_batches_tracked.add_(1)
        if self.momentum is None:  # cumulative moving average, as nn.BatchNorm
            factor = 1.0 / float(self.num_batches_tracked)
        else:
            factor = self.momentum
        unbiased_var = var * count / (count - 1).clamp_min(1)
        self.running_mean.mul_(1 - factor).add_(mean, alpha=factor)
        self.running_var.mul_(1 - factor).add_(unbiased_var, alpha=factor)


def patch_ddp_wrapper_for_cpu() -> None:
    """Let mmengine wrap a CPU model in DDP, SyncBN layers included.

    Works around: mmengine 0.10.7's ``Runner.wrap_model`` always passes
    ``device_ids=[LOCAL_RANK]``, which DDP rejects for CPU modules, and ``nn.SyncBatchNorm``
    rejects CPU tensors under a process group. For a CPU module we drop ``device_ids`` and give
    SyncBN layers :class:`CPUSyncBatchNorm`'s forward; GPU modules are untouched. Remove when
    mmengine supports CPU DDP.
    """
    from mmengine.model.wrappers import MMDistributedDataParallel

    if getattr(MMDistributedDataParallel, '__gss_patched__', False):
        return
    original_init = MMDistributedDataParallel.__init__

    def __init__(self, module: nn.Module, detect_anomalous_params: bool = False,
                 **kwargs) -> None:
        first_param = next(module.parameters(), None)
        if first_param is not None and first_param.device.type == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
            for layer in module.modules():
                if isinstance(layer, nn.SyncBatchNorm):
                    layer.__class__ = CPUSyncBatchNorm
        original_init(self, module, detect_anomalous_params=detect_anomalous_params, **kwargs)

    MMDistributedDataParallel.__init__ = __init__
    MMDistributedDataParallel.__gss_patched__ = True


def apply_all() -> None:
    """Apply every patch once. Called by ``import gss`` before anything imports mmseg."""
    global _APPLIED
    if _APPLIED:
        return
    install_mmcv_ops_stand_in()
    allow_mmengine_checkpoints_in_weights_only_load()
    make_checkpoint_saving_atomic()
    patch_mmengine_dist_init_for_cpu()
    patch_ddp_wrapper_for_cpu()
    _APPLIED = True
