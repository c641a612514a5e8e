"""The original ProtoSeg's released checkpoint -> this project's ProtoSeg (``OpenSegHRNet`` +
``ProtoSegHead``).

The original (tfzhou/ProtoSeg, on openseg.pytorch; HRNet-W48 ``hrnet_w48_proto``) saves
``{'config_dict', 'state_dict'}`` with every key under ``module.`` (DDP). Its backbone has mmseg's
HRNet names and shapes; the head's names differ:

- ``backbone.*`` keeps its names (our ``OpenSegHRNet`` has mmseg's HRNet keys).
- ``cls_head.0`` (3x3 conv with bias) -> ``decode_head.fuse.conv`` (no bias) and
  ``cls_head.1.0`` (its BN) -> ``decode_head.fuse.bn``: the bias is folded into the BN.
- ``proj_head.proj.{0,2}`` -> ``decode_head.projection.{0,2}``; ``proj_head.mlp2.*`` is the same
  module registered a second time, saved twice, and left out (after checking it is identical).
- ``prototypes`` -> ``decode_head.prototypes``; ``feat_norm``, ``mask_norm`` keep their names
  under ``decode_head.``.

Two tensors are recomputed, exactly:

- BN running mean: BN(conv(x) + b) with running mean mu is BN(conv(x)) with running mean mu - b
  (in eval mode; in training the batch statistics absorb b, and the running mean then tracks
  the mean without b, which is mu - b again).
- prototypes: L2-normalised along the embedding; the original normalises them before each use
  and saves them slightly off the unit sphere, ours are kept normalised.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from gss.converters.key_renaming import refuse_unknown, rename_by_prefix
from gss.errors import InputError

HEAD = 'decode_head.'
RENAMES = {
    'backbone.': 'backbone.',
    'cls_head.0.': HEAD + 'fuse.conv.',
    'cls_head.1.0.': HEAD + 'fuse.bn.',
    'proj_head.proj.': HEAD + 'projection.',
    'feat_norm.': HEAD + 'feat_norm.',
    'mask_norm.': HEAD + 'mask_norm.',
}
CONV_BIAS, BN_MEAN, PROTOTYPES = 'cls_head.0.bias', 'cls_head.1.0.running_mean', 'prototypes'
RECOMPUTED = (CONV_BIAS, BN_MEAN, PROTOTYPES)
# ProjectionHead registers one Sequential as both ``proj`` and ``mlp2``.
PROJECTION, DUPLICATE = 'proj_head.proj.', 'proj_head.mlp2.'


def _check_duplicate(state: Dict[str, Tensor]) -> None:
    """Refuse ``proj_head.mlp2.*`` entries that are not copies of ``proj_head.proj.*``: they
    would be another projection, and dropping them would lose it."""
    differing = [k for k in state if k.startswith(DUPLICATE) and not torch.equal(
        state[k], state.get(PROJECTION + k[len(DUPLICATE):], torch.empty(0)))]
    if differing:
        raise InputError(f'{", ".join(differing)} differ from {PROJECTION}*, of which the '
                         f'original saves them as a duplicate; not a ProtoSeg checkpoint of the '
                         f'original code (tfzhou/ProtoSeg)?')


def convert_protoseg_original(state: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], List[str]]:
    """Rename and recompute an original ProtoSeg state dict.

    Args:
        state: the original ``state_dict`` (``module.`` prefixes already removed).

    Returns:
        (our model's state dict, the keys left out on purpose: the ``proj_head.mlp2.*``
        duplicates).

    Raises:
        InputError: a key of no known module, a duplicate that differs from the projection, or
            a recomputed tensor missing or misshapen.
    """
    _check_duplicate(state)
    renamed = rename_by_prefix({k: v for k, v in state.items() if k not in RECOMPUTED}, RENAMES,
                               drop=(DUPLICATE,))
    refuse_unknown(renamed.unknown, 'a ProtoSeg checkpoint of the original code (tfzhou/ProtoSeg)')
    missing = [k for k in RECOMPUTED if k not in state]
    if missing:
        raise InputError(f'no {", ".join(missing)}: not a ProtoSeg checkpoint of the original '
                         f'code (tfzhou/ProtoSeg)')
    bias, mean, prototypes = (state[k].float() for k in RECOMPUTED)
    if bias.shape != mean.shape or prototypes.dim() != 3:
        raise InputError(f'{CONV_BIAS} {tuple(bias.shape)} and {BN_MEAN} {tuple(mean.shape)} '
                         f'must be alike, and {PROTOTYPES} {tuple(prototypes.shape)} must be '
                         f'(classes, prototypes, dim)')
    ours = renamed.state
    ours[HEAD + 'fuse.bn.running_mean'] = mean - bias
    ours[HEAD + 'prototypes'] = F.normalize(prototypes, dim=-1)
    return ours, renamed.dropped
