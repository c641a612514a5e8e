"""The original GSS's released checkpoints -> this project's GSS-FF / GSS-FT-W + DALL-E files.

The original (an MMSegmentation 0.x fork) saves ``{'meta', 'state_dict', 'optimizer'}``; its head
names differ from ours and it carries the frozen DALL-E dVAE inside the head
(``decode_head.d_vae.{encoder,decoder}.*``, OpenAI's parameter names). The backbone and every
head tensor keep their values and shapes: conversion is renaming, plus splitting the dVAE off
into the converted-DALL-E format that ``DalleVQVAE(checkpoint=...)`` reads. Both FT-W variants
are handled: as its training saves it (no pixel branch) and merged with its FF checkpoint by
the original ``merge_checkpoints.py`` (the FF pixel branch then comes along and is dropped,
since GSS-FT-W does not use it).
"""
from __future__ import annotations

import re
from typing import Dict, List, Tuple

from torch import Tensor

from gss.converters.key_renaming import refuse_unknown, rename_by_prefix
from gss.errors import InputError
from gss.maskige.vqvae.dalle import DECODER_DEFAULTS, ENCODER_DEFAULTS

# original head prefix -> ours (matched longest first, so conv_seg. and conv_seg_pixel. differ)
HEAD_NAMES = {
    'conv_seg.': 'token_classifier.1.',
    'conv_before_seg.': 'token_classifier.0.',
    'convs.': 'token_fusion.lateral.',
    'fusion_conv.': 'token_fusion.fuse.',
    'transformer_block.': 'token_mixer.blocks.',
    'swin_ln.': 'token_mixer.norm.',
    'convs_pixel.': 'pixel_fusion.lateral.',
    'fusion_conv_pixel.': 'pixel_fusion.fuse.',
    'conv_seg_pixel.': 'conv_seg.',
    'projection.': 'learned_inverse.project.',
    'post_transformer_block.': 'learned_inverse.mixer.blocks.',
    'post_swin_ln.': 'learned_inverse.mixer.norm.',
    'cls_segmap.conv.': 'learned_inverse.classifier.',
}
PIXEL_BRANCH = ('convs_pixel.', 'fusion_conv_pixel.', 'conv_seg_pixel.')
FTW_ONLY = ('projection.', 'post_transformer_block.', 'post_swin_ln.', 'cls_segmap.')
DVAE_PREFIX = 'decode_head.d_vae.'


def is_ftw(state: Dict[str, Tensor]) -> bool:
    """Whether an original state dict is a GSS-FT-W one (it has the learned X^-1)."""
    return any(k.startswith('decode_head.' + p) for k in state for p in FTW_ONLY)


def convert_gss_original(state: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], Dict[str, Tensor],
                                                            List[str]]:
    """Rename an original GSS state dict.

    Args:
        state: the original ``state_dict`` (``module.`` prefixes already removed).

    Returns:
        (our model's state dict, the dVAE's state dict as ``{'encoder.…', 'decoder.…'}``, the
        keys dropped on purpose: the pixel branch of a merged FT-W checkpoint).

    Raises:
        InputError: a key that is neither backbone, a known head module nor the dVAE.
    """
    dvae = {k[len(DVAE_PREFIX):]: v for k, v in state.items() if k.startswith(DVAE_PREFIX)}
    renames = {p: p for p in ('backbone.', 'neck.', 'auxiliary_head.')}
    renames.update({'decode_head.' + old: 'decode_head.' + new
                    for old, new in HEAD_NAMES.items()})
    drop = ['decode_head.' + p for p in PIXEL_BRANCH] if is_ftw(state) else []
    renamed = rename_by_prefix({k: v for k, v in state.items() if not k.startswith(DVAE_PREFIX)},
                               renames, drop)
    refuse_unknown(renamed.unknown, 'a GSS checkpoint of the original code (fudan-zvg/GSS)')
    return renamed.state, dvae, renamed.dropped


def dalle_checkpoint(dvae: Dict[str, Tensor]) -> dict:
    """The converted-DALL-E checkpoint (``DalleVQVAE(checkpoint=...)``) of the dVAE tensors,
    with its architecture read off their shapes."""
    encoder = {k[len('encoder.'):]: v.float() for k, v in dvae.items() if k.startswith('encoder.')}
    decoder = {k[len('decoder.'):]: v.float() for k, v in dvae.items() if k.startswith('decoder.')}
    if not encoder or not decoder:
        raise InputError('the checkpoint carries no complete DALL-E dVAE (decode_head.d_vae.'
                         'encoder.* and decoder.*)')
    groups = {int(m.group(1)) for k in encoder for m in [re.match(r'blocks\.group_(\d+)\.', k)]
              if m}
    blocks = {int(m.group(1)) for k in encoder
              for m in [re.match(r'blocks\.group_1\.block_(\d+)\.', k)] if m}
    encoder_arch = dict(ENCODER_DEFAULTS, group_count=len(groups), n_blk_per_group=len(blocks),
                        n_hid=encoder['blocks.input.w'].shape[0],
                        input_channels=encoder['blocks.input.w'].shape[1],
                        vocab_size=encoder['blocks.output.conv.w'].shape[0])
    decoder_arch = dict(DECODER_DEFAULTS, group_count=len(groups), n_blk_per_group=len(blocks),
                        n_init=decoder['blocks.input.w'].shape[0],
                        n_hid=decoder['blocks.output.conv.w'].shape[1],
                        output_channels=decoder['blocks.output.conv.w'].shape[0] // 2,
                        vocab_size=decoder['blocks.input.w'].shape[1])
    return dict(encoder=encoder, decoder=decoder,
                arch=dict(encoder={k: int(v) for k, v in encoder_arch.items()},
                          decoder={k: int(v) for k, v in decoder_arch.items()}))
