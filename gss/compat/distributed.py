"""Distributed runs without CUDA: torchrun / Slurm process groups over gloo, CPU SyncBN, DDP.

mmengine 0.10.7 assumes one CUDA device per process when it starts a process group and wraps a
model in DDP; the patches here take the CPU path only where no CUDA device is in use.
"""
from __future__ import annotations

import os
import shutil
import warnings
from typing import Optional

import torch
import torch.distributed as torch_dist
from torch import Tensor, nn


def _cpu_backend(backend: Optional[str]) -> str:
    return 'gloo' if backend in ('nccl', None) else backend


def dist_backend_for_this_machine(backend: Optional[str] = 'nccl') -> Optional[str]:
    """The process-group backend a run on this machine uses when its config asks for
    ``backend``: the same with CUDA; without CUDA gloo in place of NCCL (or of mmengine's
    default, ``None``), as the launcher patches below start it."""
    return backend if torch.cuda.is_available() else _cpu_backend(backend)


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


def patch_runner_environment_log_for_cpu() -> None:
    """Report no GPU in the runner's environment log of a run without CUDA.

    Works around: mmengine 0.10.7's ``Runner._log_env`` prints the number of processes as
    ``GPU number``, so a CPU run claims one GPU (or one per gloo process). Without CUDA the log
    says ``GPU number: 0`` and gives the process count as ``Processes``; with CUDA the original
    runs unchanged. Remove when mmengine counts devices there.
    """
    from mmengine.runner import Runner

    if getattr(Runner._log_env, '__gss_patched__', False):
        return
    original_log_env = Runner._log_env

    def _log_env(self, env_cfg: dict) -> None:
        if torch.cuda.is_available():
            return original_log_env(self, env_cfg)
        processes = self._world_size
        # The original reads the GPU count from _world_size and nothing else in it; it is
        # restored before anything else runs.
        self._world_size = 0
        try:
            original_log_env(self, dict(env_cfg, Processes=processes))
        finally:
            self._world_size = processes

    _log_env.__gss_patched__ = True
    Runner._log_env = _log_env


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

        channels = input.size(1)
        reduce_dims = [0] + list(range(2, input.dim()))
        local_count = input.new_tensor([input.numel() / channels])
        stats = torch.cat([input.sum(reduce_dims), (input * input).sum(reduce_dims), local_count])
        with warnings.catch_warnings():
            # torch 2.14 marks this autograd-aware all_reduce deprecated in favour of a private
            # module; it is the public API on every torch we support (2.11-2.14). Scoped so that
            # a forward pass leaves the process's warning filters as it found them.
            warnings.filterwarnings('ignore',
                                    message='torch.distributed.nn.functional.all_reduce')
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
