"""Checkpoint files on torch >= 2.6: safe (``weights_only``) loading and atomic saving.

mmengine 0.10.7 predates torch's ``weights_only=True`` default and writes checkpoints in place;
the patches here let it resume from its own checkpoints and never leave a truncated file under
a checkpoint's final name.
"""
from __future__ import annotations

import torch


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
