"""Inference API: MMSegmentation's own functions work unchanged for GSS models (configs import
gss through ``custom_imports``); :func:`inference_maskige` adds GSS's generated maskige.

    from gss.apis import init_model, inference_model
    model = init_model('configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py', 'ckpt.pth', 'cpu')
    result = inference_model(model, 'image.png')   # SegDataSample: pred_sem_seg, seg_logits
"""
from __future__ import annotations

import os.path as osp
from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmseg.apis import inference_model, init_model as mmseg_init_model, show_result_pyplot
from mmseg.apis.inference import _preprare_data  # mmseg's own test-pipeline preparation
from mmseg.registry import DATASETS

from gss.checkpoints import load_weights
from gss.engine.config_setup import apply_cfg_options
from gss.errors import InputError

__all__ = ['init_model', 'inference_model', 'inference_maskige', 'show_result_pyplot']


def init_model(config: Union[str, Config], checkpoint: Optional[str] = None,
               device: str = 'cuda:0', cfg_options: Optional[dict] = None,
               partial: bool = False) -> torch.nn.Module:
    """MMSegmentation's ``init_model``, with the checkpoint loaded strictly.

    A checkpoint that does not fit the config (another model's, another number of classes)
    raises :class:`gss.errors.InputError` naming the missing and unexpected weights, unless
    ``partial=True`` loads the weights that fit. Plain state dicts (the shipped checkpoints in
    ``checkpoints/``, which carry no ``meta``) take class names and palette from the config's
    test dataset instead of a guess from the number of classes.
    """
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'{config}: config file not found')
        config = Config.fromfile(config)
    apply_cfg_options(config, cfg_options)
    model = mmseg_init_model(config, None, 'cpu')
    meta = {}
    if checkpoint is not None:
        meta = load_weights(model, checkpoint, partial=partial).get('meta', {})
    model.to(device)
    if isinstance(meta, dict) and meta.get('dataset_meta'):
        model.dataset_meta = meta['dataset_meta']
    else:
        dataset_type = DATASETS.get(model.cfg.test_dataloader.dataset.type)
        info = dataset_type.METAINFO
        model.dataset_meta = dict(classes=info['classes'], palette=info['palette'])
    return model


@torch.no_grad()
def inference_maskige(model: torch.nn.Module, img: Union[str, np.ndarray]) -> np.ndarray:
    """The maskige a GSS model generates for ``img`` (whole image): (H', W', 3) uint8 RGB at the
    VQ-VAE decoder's resolution (twice the network input in GSS)."""
    head = getattr(model, 'decode_head', None)
    if not hasattr(head, 'generate_maskige'):
        raise InputError(f'{type(head).__name__} does not generate maskiges: use a GSS-FF or '
                         f'GSS-FT-W config')
    data, _ = _preprare_data(img, model)
    data = model.data_preprocessor(data, False)
    maskige = head.generate_maskige(head.forward(model.extract_feat(data['inputs'])))
    return (maskige[0].permute(1, 2, 0).clamp(0, 1).cpu().numpy() * 255).round().astype(np.uint8)
