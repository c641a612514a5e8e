"""Compatibility patches for the pinned stack, applied once when ``gss`` is imported.

Every patch here works around one upstream behaviour of mmcv-lite 2.1 / mmengine 0.10.7 /
mmsegmentation 1.2.2 on a modern torch. Each function says what it works around, how it is
detected, and when it can be deleted. All patches are idempotent and only act where the
upstream behaviour is actually broken, so a full mmcv build or a fixed mmengine is left alone.

The patches are grouped by concern:

- :mod:`gss.compat.mmcv_ops`: a pure-PyTorch ``mmcv.ops`` when mmcv's compiled ops are absent.
- :mod:`gss.compat.checkpoint_loading`: ``weights_only`` loading of mmengine checkpoints and
  atomic checkpoint saving.
- :mod:`gss.compat.distributed`: torchrun / Slurm process groups, SyncBN, DDP and the runner's
  environment log without CUDA.

Environment:
    GSS_NO_COMPAT: set to ``1`` to apply no patch except the ``mmcv.ops`` stand-in (for
        instance to check whether a newer mmengine still needs them, or to reproduce an
        upstream report with upstream behaviour). The stand-in stays because without it
        ``import mmseg`` fails wherever mmcv's compiled ops are absent; it is still installed
        only when they are. Any other value, or none, applies every patch.
"""
from __future__ import annotations

import os

from gss.compat.checkpoint_loading import (allow_mmengine_checkpoints_in_weights_only_load,
                                           make_checkpoint_saving_atomic)
from gss.compat.distributed import (SLURM_VARIABLES, CPUSyncBatchNorm, check_slurm_environment,
                                    dist_backend_for_this_machine, patch_ddp_wrapper_for_cpu,
                                    patch_mmengine_dist_init_for_cpu,
                                    patch_runner_environment_log_for_cpu)
from gss.compat.mmcv_ops import install_mmcv_ops_stand_in, point_sample, sigmoid_focal_loss

__all__ = [
    'CPUSyncBatchNorm', 'SLURM_VARIABLES', 'allow_mmengine_checkpoints_in_weights_only_load',
    'apply_all', 'check_slurm_environment', 'compat_disabled', 'dist_backend_for_this_machine',
    'install_mmcv_ops_stand_in', 'make_checkpoint_saving_atomic', 'patch_ddp_wrapper_for_cpu',
    'patch_mmengine_dist_init_for_cpu', 'patch_runner_environment_log_for_cpu', 'point_sample',
    'sigmoid_focal_loss'
]

NO_COMPAT_VARIABLE = 'GSS_NO_COMPAT'

_APPLIED = False


def compat_disabled() -> bool:
    """Whether ``GSS_NO_COMPAT=1`` asks for upstream behaviour (all but the mmcv.ops stand-in)."""
    return os.environ.get(NO_COMPAT_VARIABLE) == '1'


def apply_all() -> None:
    """Apply every patch once. Called by ``import gss`` before anything imports mmseg.

    With ``GSS_NO_COMPAT=1`` only the ``mmcv.ops`` stand-in is installed: ``import mmseg``
    (and so ``import gss``) fails without it where mmcv's compiled ops are absent, and it
    changes no behaviour where they are present. A later call without the variable still
    applies the rest, so the opt-out is not remembered as "applied".
    """
    global _APPLIED
    if _APPLIED:
        return
    install_mmcv_ops_stand_in()
    if compat_disabled():
        return
    allow_mmengine_checkpoints_in_weights_only_load()
    make_checkpoint_saving_atomic()
    patch_mmengine_dist_init_for_cpu()
    patch_ddp_wrapper_for_cpu()
    patch_runner_environment_log_for_cpu()
    _APPLIED = True
