"""Stage-1 reconstruction as a segmentor: GT mask -> X -> VQ-VAE -> X^-1, no image network.

GSS judges a palette and a VQ-VAE by this upper bound (the original's ``dalle_reconstruction``
configs). Wrapping it as an mmseg segmentor lets ``tools/test.py CONFIG none --eval mIoU`` and
``tools/dist_test.sh`` evaluate it with the same data pipeline and IoUMetric as real models.
"""
from __future__ import annotations

from typing import List, Optional

from mmengine.structures import PixelData
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, SampleList
from torch import Tensor

from gss.maskige.palette import Maskige, PaletteLike
from gss.maskige.tokenizer import MaskigeTokenizer
from gss.registry import VQVAES
from gss.tensor_ops import argmax_over_classes


@MODELS.register_module()
class MaskigeReconstructor(BaseSegmentor):
    """Reconstructs each sample's ground-truth mask through the maskige and a frozen VQ-VAE.

    Args:
        vqvae: config of the VQ-VAE (``DalleVQVAE`` or ``MaskigeVQVAE``).
        palette: K + 1 colours or a JSON file (see :func:`gss.maskige.load_palette`).
        num_classes: K, checked against the palette.
    """

    def __init__(self, vqvae: ConfigType, palette: PaletteLike, num_classes: int,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.tokenizer = MaskigeTokenizer(VQVAES.build(vqvae), Maskige(palette, num_classes))
        self.num_classes = num_classes

    def predict(self, inputs: Tensor, data_samples: Optional[SampleList] = None) -> SampleList:
        """Scores (B, K, H, W) at each sample's mask size: the share of the 2 x 2 decoded
        pixels over each mask pixel that X^-1 gives each class."""
        if not data_samples or 'gt_sem_seg' not in data_samples[0]:
            raise ValueError('MaskigeReconstructor needs ground-truth masks: keep '
                             'LoadAnnotations in the test pipeline')
        for sample in data_samples:
            mask = sample.gt_sem_seg.data.to(inputs.device).long()  # (1, H, W)
            scores = self.tokenizer.reconstruct(mask)['scores']
            sample.set_data(dict(seg_logits=PixelData(data=scores[0]),
                                 pred_sem_seg=PixelData(data=argmax_over_classes(scores))))
        return data_samples

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        raise RuntimeError('MaskigeReconstructor has nothing to train; evaluate it with '
                           'tools/test.py CONFIG none --eval mIoU')

    def _forward(self, inputs: Tensor, data_samples: Optional[SampleList] = None) -> List[Tensor]:
        return [s.seg_logits.data for s in self.predict(inputs, data_samples)]

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        return []

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        raise RuntimeError('MaskigeReconstructor reconstructs masks, not images: use predict '
                           'with data samples that carry gt_sem_seg')
