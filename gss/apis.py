"""Inference API: MMSegmentation's own functions work unchanged for GSS models (configs import
gss through ``custom_imports``); :func:`inference_maskige` adds GSS's generated maskige.

    from gss.apis import init_model, inference_model
    model = init_model('configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py', 'ckpt.pth', 'cpu')
    result = inference_model(model, 'image.png')   # SegDataSample: pred_sem_seg, seg_logits
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmseg.apis import inference_model, show_result_pyplot
from mmseg.apis import init_model as mmseg_init_model
from mmseg.apis.inference import _preprare_data  # mmseg's own test-pipeline preparation
from mmseg.registry import DATASETS

__all__ = ['init_model', 'inference_model', 'inference_maskige', 'show_result_pyplot']


def init_model(config: Union[str, Config], checkpoint: Optional[str] = None,
               device: str = 'cuda:0', cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """MMSegmentation's ``init_model``, also for plain state dicts (the shipped checkpoints in
    ``checkpoints/``, which carry no ``meta``): class names and palette then come from the
    config's test dataset instead of a guess from the number of classes."""
    model = mmseg_init_model(config, None, device, cfg_options)
    meta = {}
    if checkpoint is not None:
        loaded = load_checkpoint(model, checkpoint, map_location='cpu')
        meta = loaded.get('meta', {}) if isinstance(loaded, dict) else {}
    if meta.get('dataset_meta'):
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
        raise ValueError(f'{type(head).__name__} does not generate maskiges: use a GSS-FF or '
                         f'GSS-FT-W config')
    data, _ = _preprare_data(img, model)
    data = model.data_preprocessor(data, False)
    maskige = head.generate_maskige(head.forward(model.extract_feat(data['inputs'])))
    return (maskige[0].permute(1, 2, 0).clamp(0, 1).cpu().numpy() * 255).round().astype(np.uint8)
