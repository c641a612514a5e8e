"""mmseg's EncoderDecoder that can also return GMMSeg's open-set outputs."""
from __future__ import annotations

from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor


@MODELS.register_module()
class OpenSetEncoderDecoder(EncoderDecoder):
    """EncoderDecoder for generative heads with class likelihoods (GMMSegHead).

    With ``test_cfg.open_set=True`` every predicted sample also carries
    ``class_log_likelihood`` (C, H, W): log p(x | c) of the pixel's embedding under each class,
    and ``anomaly_score`` (1, H, W): -max_c log p(x | c), high where no class explains the pixel.
    Both are computed at the head's output scale and resized like the logits (whole and slide
    inference alike). ``tools/test.py --anomaly-dir DIR`` switches this on and writes the scores.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.open_set:
            if not hasattr(self.decode_head, 'class_log_likelihoods'):
                raise ValueError(f'test_cfg.open_set needs a head with class likelihoods '
                                 f'(GMMSegHead), not {type(self.decode_head).__name__}')
            # The head then returns logits, log-likelihoods and the score: slide inference
            # allocates this many channels.
            self.out_channels = 2 * self.num_classes + 1

    @property
    def open_set(self) -> bool:
        return bool(self.test_cfg and self.test_cfg.get('open_set', False))

    def postprocess_result(self, seg_logits: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        samples = super().postprocess_result(seg_logits, data_samples)
        if not self.open_set:
            return samples
        c = self.num_classes
        for sample in samples:
            stacked = sample.seg_logits.data
            sample.seg_logits = PixelData(data=stacked[:c])
            sample.pred_sem_seg = PixelData(data=stacked[:c].argmax(0, keepdim=True))
            sample.class_log_likelihood = PixelData(data=stacked[c:2 * c])
            sample.anomaly_score = PixelData(data=stacked[2 * c:])
        return samples
