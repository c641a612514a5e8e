"""Multi-scale + flip testing (the originals' ``--aug-test``) for every model family here."""
from __future__ import annotations

from typing import List

from mmengine.structures import PixelData
from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor


@MODELS.register_module()
class GSSTTAModel(SegTTAModel):
    """Averages the class probabilities of each augmented view (already flipped back and
    resized to the image by the segmentor), as mmseg's ``SegTTAModel``, with two differences:

    - scores that already are class shares (GSS-FF's nearest-colour votes: the head says so with
      ``SCORES_ARE_PROBABILITIES = True``) are averaged as they are, not through a softmax,
      which would flatten a unanimous vote of 1 to about e / (e + K - 1);
    - the merged probabilities are kept as ``seg_logits`` (for ``--out`` and the anomaly and
      visualisation hooks), and each sample keeps its own metadata.
    """

    def probabilities(self, seg_logits: Tensor) -> Tensor:
        """(K, H, W) scores of one view -> class probabilities."""
        if getattr(self.module.decode_head, 'SCORES_ARE_PROBABILITIES', False):
            return seg_logits
        return seg_logits.softmax(dim=0)

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        """One sample per image from its views: ``seg_logits`` the mean probabilities (K, H, W),
        ``pred_sem_seg`` their argmax. Single-channel (sigmoid) heads are not supported: no
        model here has one."""
        merged = []
        for views in data_samples_list:
            # A running sum: K x H x W per view at the image's full size adds up (MSeg: 194
            # classes, 12 views of a 1080p image would be 19 GB stacked).
            mean = self.probabilities(views[0].seg_logits.data).clone()
            for view in views[1:]:
                mean += self.probabilities(view.seg_logits.data)
                del view.seg_logits
            mean /= len(views)
            sample = views[0]
            sample.set_data(dict(seg_logits=PixelData(data=mean),
                                 pred_sem_seg=PixelData(data=mean.argmax(dim=0, keepdim=True))))
            merged.append(sample)
        return merged
