"""Calibration of per-pixel class probabilities: expected calibration error and NLL.

Each non-ignore pixel contributes its top-1 confidence (the largest class probability), whether
that class is the label, and -log p(label). Only running sums are kept: per confidence bin the
pixel count, the sum of confidences and the number correct, and the sum of -log p(label).

What the probability is depends on the model's ``seg_logits`` (docs/evaluation.md):

- UPerNet baseline, GSS-FT-W (its learned X^-1's class logits), ProtoSeg (LayerNorm over the
  classes' best prototype cosines): logits, so p is their softmax, the distribution their
  cross-entropy trained.
- GMMSeg: a LayerNorm over the classes' best-component log-likelihoods log p(x | c); their
  softmax is what the classification loss trained, not the generative posterior p(c | x)
  (that would be the softmax of the log-likelihoods themselves, plus log priors), since the
  LayerNorm re-centres and re-scales them per pixel with learned per-class weights.
- GSS-FF (``SCORES_ARE_PROBABILITIES``), the stage-1 reconstruction and any ``--aug-test``
  run: each class's share of the decoded (or merged) pixels, already probabilities; a softmax
  would flatten them, so they are used as they are. A class with no share has p = 0, so its
  -log p is taken at ``eps`` (:data:`PROBABILITY_FLOOR`).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable
from torch import Tensor

from gss.errors import InputError
from gss.evaluation.mseg_metric import are_probabilities

CALIBRATION_METRICS = ('ECE', 'NLL')
SCORE_KINDS = ('auto', 'logits', 'probabilities')
#: The smallest p(label) -log takes for scores that are probabilities: a pixel whose label got
#: no share costs -ln(1e-6) = 13.8 nats instead of infinity.
PROBABILITY_FLOOR = 1e-6


def _check(name: str, value: object, ok: bool, choices: str) -> None:
    if not ok:
        raise InputError(f'CalibrationMetric: {name} {value!r} is not valid; {choices}')


def calibration_sums(scores: Tensor, label: Tensor, probabilities: bool, num_bins: int = 15,
                     ignore_index: int = 255,
                     eps: float = PROBABILITY_FLOOR) -> Tuple[Tensor, Tensor]:
    """One image's running sums.

    Args:
        scores: (K, h, w) class logits, or probabilities if ``probabilities``; resized
            bilinearly to the label's size if they are not at it.
        label: (H, W) ground truth; ``ignore_index`` pixels (and labels outside [0, K)) are
            left out.
        probabilities: the scores are already class probabilities (no softmax).
        num_bins: equal-width confidence bins over (0, 1]; bin b holds (b / n, (b + 1) / n].
        ignore_index: the label of pixels left out.
        eps: the floor of p(label) under the log, for probabilities (logits never reach 0).

    Returns:
        (3, num_bins) float64 per bin: pixel count, sum of confidences, number correct; and
        a float64 scalar, the sum of -log p(label). All on the CPU.
    """
    scores = scores.float()
    if scores.shape[-2:] != label.shape[-2:]:
        scores = F.interpolate(scores[None], size=label.shape[-2:], mode='bilinear',
                               align_corners=False)[0]
    label = label.to(scores.device).long()
    valid = (label != ignore_index) & (label >= 0) & (label < scores.shape[0])
    target = torch.where(valid, label, torch.zeros_like(label))[None]
    if probabilities:
        confidence, predicted = scores.max(0)
        log_p_label = scores.gather(0, target)[0].clamp_min(eps).log()
    else:
        log_probabilities = scores.log_softmax(0)
        log_confidence, predicted = log_probabilities.max(0)
        confidence = log_confidence.exp()
        log_p_label = log_probabilities.gather(0, target)[0]
    confidence = confidence[valid].double()
    correct = (predicted == label)[valid].double()
    index = (confidence * num_bins).ceil().long().clamp(1, num_bins) - 1

    def per_bin(weights: Optional[Tensor] = None) -> Tensor:
        return torch.bincount(index, weights, minlength=num_bins).double()

    bins = torch.stack([per_bin(), per_bin(confidence), per_bin(correct)])
    return bins.cpu(), -log_p_label[valid].double().sum().cpu()


def expected_calibration_error(bins: Tensor) -> float:
    """ECE in percent from (3, B) per-bin sums: sum_b (n_b / N) |acc_b - conf_b|, which is
    sum_b |correct_b - confidence_b| / N."""
    return float((bins[2] - bins[1]).abs().sum() / bins[0].sum().clamp_min(1) * 100)


@METRICS.register_module()
class CalibrationMetric(BaseMetric):
    """Expected calibration error (``ECE``, percent) and negative log-likelihood (``NLL``,
    nats per pixel) of the top-1 class probabilities over all non-ignore pixels.

    Reads each sample's ``seg_logits`` (at the label's size) and ``gt_sem_seg``; keeps only
    the per-bin sums of each batch (:func:`calibration_sums`). The correct class is the
    arg-max of the probabilities, the prediction IoUMetric scores.

    Args:
        metrics: which of 'ECE' and 'NLL' to report.
        num_bins: equal-width confidence bins over (0, 1] (15, Guo et al.'s).
        scores: what ``seg_logits`` are: 'auto' (probabilities if they are non-negative and
            sum to 1 at every pixel, as GSS-FF's class shares and --aug-test's merged views,
            else logits), 'logits' (softmax first) or 'probabilities'.
        eps: floor of p(label) under the log for probabilities (:data:`PROBABILITY_FLOOR`).
        ignore_index: label of the pixels left out.
    """

    def __init__(self, metrics: Sequence[str] = CALIBRATION_METRICS, num_bins: int = 15,
                 scores: str = 'auto', eps: float = PROBABILITY_FLOOR,
                 ignore_index: int = 255, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        for name in metrics:
            _check('metric', name, name in CALIBRATION_METRICS,
                   f'choose from {", ".join(CALIBRATION_METRICS)}')
        _check('num_bins', num_bins, isinstance(num_bins, int) and num_bins >= 1,
               'give a whole number >= 1')
        _check('scores', scores, scores in SCORE_KINDS, f'choose from {", ".join(SCORE_KINDS)}')
        _check('eps', eps, isinstance(eps, float) and 0 < eps < 1, 'give a number in (0, 1)')
        self.metrics = metrics or list(CALIBRATION_METRICS)
        self.num_bins = num_bins
        self.scores = scores
        self.eps = eps
        self.ignore_index = ignore_index

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        bins = torch.zeros(3, self.num_bins, dtype=torch.float64)
        nll = torch.zeros((), dtype=torch.float64)
        for sample in data_samples:
            scores = sample['seg_logits']['data']
            probabilities = self.scores == 'probabilities' or (
                self.scores == 'auto' and are_probabilities(scores))
            image_bins, image_nll = calibration_sums(
                scores, sample['gt_sem_seg']['data'][0], probabilities, self.num_bins,
                self.ignore_index, self.eps)
            bins += image_bins
            nll += image_nll
        self.results.append((bins, nll))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        bins = torch.stack([b for b, _ in results]).sum(0)
        nll = torch.stack([n for _, n in results]).sum()
        table = PrettyTable(field_names=['confidence', 'pixels', 'mean confidence', 'accuracy'])
        for b, (count, confidence, correct) in enumerate(bins.T.tolist()):
            if count:
                table.add_row([f'({b / self.num_bins:.3f}, {(b + 1) / self.num_bins:.3f}]',
                               int(count), f'{confidence / count:.4f}', f'{correct / count:.4f}'])
        print_log(f'reliability ({self.num_bins} bins):\n{table.get_string()}',
                  logger=MMLogger.get_current_instance())
        values = dict(ECE=round(expected_calibration_error(bins), 2),
                      NLL=round(float(nll / bins[0].sum().clamp_min(1)), 4))
        return OrderedDict((name, values[name]) for name in self.metrics)
