"""Writing GMMSeg's per-pixel anomaly scores during testing."""
from __future__ import annotations

import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class AnomalyScoreWriterHook(Hook):
    """Saves every test image's anomaly score, -max_c log p(x | c), as ``out_dir/<image>.npy``
    (float32, the image's size); needs a model with ``test_cfg.open_set=True``
    (:class:`gss.models.segmentors.OpenSetEncoderDecoder`)."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir

    def before_test(self, runner) -> None:
        os.makedirs(self.out_dir, exist_ok=True)

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        for sample in outputs or []:
            score = getattr(sample, 'anomaly_score', None)
            if score is None:
                raise RuntimeError('AnomalyScoreWriterHook: the model returned no anomaly_score; '
                                   'use an OpenSetEncoderDecoder with a GMMSegHead and '
                                   'test_cfg.open_set=True')
            name = osp.splitext(osp.basename(sample.img_path))[0]
            np.save(osp.join(self.out_dir, f'{name}.npy'),
                    score.data[0].float().cpu().numpy().astype(np.float32))
