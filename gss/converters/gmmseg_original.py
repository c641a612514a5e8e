"""The original GMMSeg's released checkpoint -> this project's GMMSeg (``GMMSegHead``).

The original (leonnnop/GMMSeg, an MMSegmentation 0.22 fork) saves ``{'meta', 'state_dict',
'optimizer'}``. Its SegFormer MiT backbone has mmseg 1.x's names; its head (``SegformerGMMSegHead``)
differs in names and in what it stores:

- ``convs.i`` / ``fusion_conv`` (SegFormer fusion) -> ``fusion.lateral.i`` / ``fusion.fuse``;
  ``projection``, ``feat_norm`` and ``mask_norm`` keep their names.
- ``means``: the original re-normalises them at every forward and saves them as the EM left
  them (slightly off the unit sphere); ours are kept normalised, so they are normalised here,
  which is what the original computes with.
- ``diagonal`` (the components' standard deviations) -> ``stds``.
- ``iteration_counter`` -> ``iteration`` and the M-steps it implies (``em_steps_taken``:
  the original tests the counter before incrementing it, so ceil(counter / interval)).
- Left out: the EM memory ``queue`` / ``queue_ptr`` (7 GB for COCO-Stuff's 855 components; here
  the memory is not checkpointed and refills in 50 iterations when training resumes),
  ``eye_matrix`` (a constant) and the unused stock classifier ``conv_seg``.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from gss.converters.key_renaming import refuse_unknown, rename_by_prefix
from gss.errors import InputError
from gss.models.heads.gmmseg_head import em_steps_after

HEAD = 'decode_head.'
RENAMES = {
    'backbone.': 'backbone.',
    HEAD + 'convs.': HEAD + 'fusion.lateral.',
    HEAD + 'fusion_conv.': HEAD + 'fusion.fuse.',
    HEAD + 'projection.': HEAD + 'projection.',
    HEAD + 'feat_norm.': HEAD + 'feat_norm.',
    HEAD + 'mask_norm.': HEAD + 'mask_norm.',
}
RECOMPUTED = ('means', 'diagonal', 'iteration_counter')
DROPPED = tuple(HEAD + name for name in ('queue', 'queue_ptr', 'eye_matrix', 'conv_seg.'))
EM_INTERVAL = 5  # the released M-step interval (update_GMM_interval)


def convert_gmmseg_original(state: Dict[str, Tensor], em_interval: int = EM_INTERVAL
                            ) -> Tuple[Dict[str, Tensor], List[str]]:
    """Rename and recompute an original GMMSeg state dict.

    Args:
        state: the original ``state_dict`` (``module.`` prefixes already removed).
        em_interval: the run's M-step interval, to count the M-steps taken.

    Returns:
        (our model's state dict, the keys left out on purpose).

    Raises:
        InputError: a key of no known module, or a component tensor missing or misshapen.
    """
    special = {HEAD + name for name in RECOMPUTED}
    renamed = rename_by_prefix({k: v for k, v in state.items() if k not in special}, RENAMES,
                               drop=DROPPED)
    refuse_unknown(renamed.unknown, 'a GMMSeg checkpoint of the original code (leonnnop/GMMSeg)')
    missing = [HEAD + name for name in RECOMPUTED if HEAD + name not in state]
    if missing:
        raise InputError(f'no {", ".join(missing)}: not a GMMSeg checkpoint of the original '
                         f'code (leonnnop/GMMSeg)')
    means, stds = state[HEAD + 'means'].float(), state[HEAD + 'diagonal'].float()
    if means.dim() != 3 or means.shape != stds.shape:
        raise InputError(f'{HEAD}means {tuple(means.shape)} and {HEAD}diagonal '
                         f'{tuple(stds.shape)} must both be (classes, components, dim)')
    ours = renamed.state
    ours[HEAD + 'means'] = F.normalize(means, dim=-1)
    ours[HEAD + 'stds'] = stds
    iteration = int(state[HEAD + 'iteration_counter'].reshape(-1)[0].item())
    ours[HEAD + 'iteration'] = torch.tensor(iteration, dtype=torch.long)
    em_steps = em_steps_after(iteration, em_interval)
    ours[HEAD + 'em_steps_taken'] = torch.tensor(em_steps, dtype=torch.long)
    return ours, renamed.dropped
