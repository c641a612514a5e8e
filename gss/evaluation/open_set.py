"""Open-set segmentation: how well per-pixel scores single out classes a model never learned.

A model is trained with some classes left out (their pixels ignore); on the test images those
classes' pixels are the unknowns and every other labelled pixel is known (void takes no part).
Each score is higher where the model takes a pixel for unknown; pooled over the test pixels it
is evaluated as AUROC, AP (unknown = positive) and FPR at 95 % TPR, with scikit-learn.

Scores:

- every model: ``msp``, 1 - the top class probability (softmax of the logits; GSS-FF's vote
  shares as they are), and ``max_logit``, minus the top logit (not for probabilities);
- a head's own, from its ``open_set_scores(features)``: GMMSeg's ``log_likelihood``
  (-max_c log p(x | c)), ProtoSeg's ``prototype_similarity`` (minus the best prototype
  cosine), GSS's ``token_nll`` (-log p of the predicted code) and ``colour_distance`` (the
  decoded maskige's distance to the nearest class colour).
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmseg.evaluation.metrics import IoUMetric
from torch import Tensor, nn

from gss.errors import InputError

OPEN_SET_METRICS = ('AUROC', 'AP', 'FPR95')
#: The true-positive rate at which the false-positive rate is read.
RECALL_LEVEL = 0.95


def open_set_metrics(scores: np.ndarray, unknown: np.ndarray) -> Dict[str, float]:
    """AUROC, AP and FPR at 95 % TPR, in percent, of ``scores`` (higher: more unknown)
    against the boolean ``unknown``; FPR95 is read at the first threshold whose TPR is at
    least 0.95 (scikit-learn's ROC curve, ties kept together).

    Raises:
        InputError: the pixels are all unknown or all known (no ROC curve).
    """
    from sklearn.metrics import auc, average_precision_score, roc_curve

    unknown = np.asarray(unknown, dtype=bool)
    if unknown.all() or not unknown.any():
        raise InputError(f'open-set metrics need known and unknown pixels; got '
                         f'{int(unknown.sum())} unknown of {unknown.size}')
    fpr, tpr, _ = roc_curve(unknown, scores)
    fpr95 = fpr[np.searchsorted(tpr, RECALL_LEVEL, side='left')]
    return dict(AUROC=100 * float(auc(fpr, tpr)),
                AP=100 * float(average_precision_score(unknown, scores)),
                FPR95=100 * float(fpr95))


def logit_scores(seg_logits: Tensor, probabilities: bool) -> Dict[str, Tensor]:
    """(C, H, W) class scores -> ``msp`` (1 - max probability) and, for logits, ``max_logit``
    (minus the top logit), each (H, W)."""
    if probabilities:
        return dict(msp=1 - seg_logits.max(0).values)
    return dict(msp=1 - seg_logits.softmax(0).max(0).values,
                max_logit=-seg_logits.max(0).values)


@torch.no_grad()
def predict_with_open_set_scores(model: nn.Module, data: dict) -> List[Dict[str, Tensor]]:
    """One test batch -> per image ``pred`` (H, W) and every score (H, W), at the label's size.

    The head's own score maps are resized to the logits' size and stacked under them, so that
    mmseg's ``postprocess_result`` crops padding, undoes flips and resizes them together.
    """
    mode = (model.test_cfg or {}).get('mode', 'whole')
    if mode != 'whole':
        raise InputError(f"open-set scores need test_cfg.mode='whole', not {mode!r}: "
                         f"--cfg-options model.test_cfg.mode=whole")
    data = model.data_preprocessor(data, False)
    samples = data['data_samples']
    features = model.extract_feat(data['inputs'])
    logits = model.decode_head.predict(features, [s.metainfo for s in samples], model.test_cfg)
    own = getattr(model.decode_head, 'open_set_scores', lambda _: {})(features)
    maps = [F.interpolate(m.float(), size=logits.shape[2:], mode='bilinear',
                          align_corners=False) for m in own.values()]
    samples = model.postprocess_result(torch.cat([logits, *maps], 1), samples)
    probabilities = getattr(model.decode_head, 'SCORES_ARE_PROBABILITIES', False)
    c = logits.shape[1]
    outputs = []
    for sample in samples:
        stacked = sample.seg_logits.data
        scores = logit_scores(stacked[:c], probabilities)
        scores.update(zip(own, stacked[c:]))
        outputs.append(dict(pred=stacked[:c].argmax(0), **scores))
    return outputs


class OpenSetPixels:
    """Running pixel collection of an open-set evaluation.

    Args:
        known_ids: for each label of the full class list, its index among the model's known
            classes, or ``ignore_index`` (unknown classes and void).
        unknown_labels: the full-list labels that are unknown.
        ignore_index: the ignore label.
    """

    def __init__(self, known_ids: Sequence[int], unknown_labels: Sequence[int],
                 ignore_index: int = 255) -> None:
        self.ignore_index = ignore_index
        self.known_lut = torch.full((256, ), ignore_index, dtype=torch.long)
        self.known_lut[:len(known_ids)] = torch.as_tensor(known_ids, dtype=torch.long)
        self.unknown_lut = torch.zeros(256, dtype=torch.bool)
        self.unknown_lut[list(unknown_labels)] = True
        self.num_known = int((self.known_lut != ignore_index).sum())
        self.scores: Dict[str, List[np.ndarray]] = {}
        self.unknown: List[np.ndarray] = []
        self.areas = torch.zeros(4, self.num_known, dtype=torch.float64)
        self.unknown_as = torch.zeros(self.num_known, dtype=torch.float64)

    def add(self, label: Tensor, pred: Tensor, scores: Dict[str, Tensor]) -> None:
        """One image: full-list ``label`` (H, W), known-class ``pred`` (H, W), scores (H, W)."""
        label = label.long().cpu()
        if label.min() < 0 or label.max() > 255:
            raise InputError(f'open-set labels must lie in 0-255, got {int(label.min())} to '
                             f'{int(label.max())}')
        known = self.known_lut[label]
        unknown = self.unknown_lut[label]
        evaluated = unknown | (known != self.ignore_index)
        self.unknown.append(unknown[evaluated].numpy())
        for name, score in scores.items():
            self.scores.setdefault(name, []).append(
                score.float().cpu()[evaluated].numpy())
        self.areas += torch.stack(IoUMetric.intersect_and_union(
            pred.cpu(), known, self.num_known, self.ignore_index)).double()
        self.unknown_as += torch.bincount(pred.cpu()[unknown].long(),
                                          minlength=self.num_known)[:self.num_known].double()

    def results(self) -> Dict[str, object]:
        """``known_mIoU`` over the known classes (unknown pixels ignored), ``unknown_share`` of
        the evaluated pixels in percent, ``unknown_predicted_as``: the share (percent) of the
        unknown pixels given each known class, and each score's metrics."""
        if not self.unknown:
            raise InputError('open-set evaluation saw no image')
        unknown = np.concatenate(self.unknown)
        intersect, union = self.areas[0], self.areas[1]
        iou = intersect[union > 0] / union[union > 0]
        return dict(known_mIoU=100 * float(iou.mean()) if len(iou) else float('nan'),
                    pixels=int(unknown.size), unknown_share=100 * float(unknown.mean()),
                    unknown_predicted_as=(100 * self.unknown_as
                                          / self.unknown_as.sum().clamp(min=1)).tolist(),
                    scores={name: open_set_metrics(np.concatenate(parts), unknown)
                            for name, parts in self.scores.items()})


def plot_score_maps(image: np.ndarray, unknown: np.ndarray, maps: Dict[str, Dict[str, Tensor]],
                    out_file: str) -> None:
    """One test image's scores, a row per model: the RGB ``image`` (H, W, 3) with its
    ``unknown`` pixels (H, W) outlined, then each of the model's score maps ``maps[model][score]``
    (H, W), each scaled from its own 1st to 99th percentile (brighter: more unknown)."""
    import matplotlib
    matplotlib.use('Agg')  # files only; no display is needed or assumed
    import matplotlib.pyplot as plt

    columns = 1 + max(len(scores) for scores in maps.values())
    fig, axes = plt.subplots(len(maps), columns, figsize=(2.6 * columns, 2.2 * len(maps)),
                             squeeze=False)
    for row, (model, scores) in zip(axes, maps.items()):
        row[0].imshow(image)
        row[0].contour(unknown, levels=[0.5], colors='red', linewidths=0.8)
        row[0].set_title(f'{model}\n(unknown outlined)', fontsize=6)
        for ax, (name, score) in zip(row[1:], scores.items()):
            values = score.float().cpu().numpy()
            low, high = np.percentile(values, [1, 99])
            ax.imshow(values, cmap='magma', vmin=low, vmax=max(high, low + 1e-6))
            ax.set_title(name, fontsize=7)
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in row[1 + len(scores):]:
            ax.set_axis_off()
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    fig.savefig(out_file, dpi=120, bbox_inches='tight')
    plt.close(fig)
