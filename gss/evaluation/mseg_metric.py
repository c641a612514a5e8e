"""MSeg's zero-shot evaluation: a universal model scored on each test set in that set's own
classes, and the harmonic mean of the per-set mIoUs (the figure the GSS paper reports)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable
from torch import Tensor

from gss.datasets.mseg.dataset import sample_source
from gss.datasets.mseg.taxonomy import IGNORE, universal_to_test_matrix
from gss.errors import InputError

ROWS_PER_CHUNK = 64  # rows of an image mapped at once: the (194, rows, W) scores stay small
#: How universal scores become test-set labels (:func:`map_to_test_set`).
MAPPINGS = ('probability_sum', 'universal_argmax')
SCORE_KINDS = ('auto', 'logits', 'probabilities')
ABSENT_CLASSES = ('ignore', 'zero')


def check_choice(key: str, value: object, choices: Sequence[str]) -> None:
    """Raise :class:`InputError` naming ``key``, ``value`` and ``choices`` unless ``value`` is
    one of the ``choices``."""
    if value not in choices:
        raise InputError(f'MSegMetric: {key} must be one of {", ".join(map(repr, choices))}; '
                         f'got {value!r}')


def harmonic_mean(values: Sequence[float]) -> float:
    """n / sum(1 / x); 0 if any value is 0 (a set scored 0 sinks the mean, as it should)."""
    values = list(values)
    if not values or min(values) <= 0:
        return 0.0
    return len(values) / sum(1.0 / v for v in values)


def are_probabilities(scores: Tensor) -> bool:
    """Whether (U, H, W) scores are already class probabilities (non-negative, summing to 1 at
    every pixel): GSS-FF's class shares and merged --aug-test views are, logits never are."""
    return bool(scores.min() >= 0) and bool(torch.allclose(
        scores.sum(0, dtype=torch.float32), scores.new_ones(scores.shape[1:], dtype=torch.float32),
        atol=1e-3))


def map_to_test_set(scores: Tensor, matrix: Tensor, probabilities: bool,
                    mapping: str = 'probability_sum') -> Tensor:
    """(U, H, W) universal scores -> (H, W) test-set labels through the (T, U) 0/1 ``matrix``.

    ``mapping``:

    - 'probability_sum' (MSeg's protocol): the universal probabilities of each test class's
      sources summed, then the arg-max over the test classes.
    - 'universal_argmax' (the original GSS): the universal arg-max, one-hot, through the
      matrix, then the arg-max: the test class of the winning universal class, or test class
      0 when no test class has it as a source (the arg-max of all zeros).

    ``probabilities`` says the scores need no softmax (the arg-max never needs one).
    """
    check_choice('mapping', mapping, MAPPINGS)
    matrix = matrix.to(scores.device, torch.float32)
    if mapping == 'universal_argmax':
        # One-hot through the matrix picks a column; the column's arg-max is the same lookup.
        return matrix.argmax(0)[scores.argmax(0)]
    rows = []
    for chunk in scores.split(ROWS_PER_CHUNK, dim=1):
        chunk = chunk.float() if probabilities else chunk.float().softmax(0)
        rows.append(torch.einsum('tu,uhw->thw', matrix, chunk).argmax(0))
    return torch.cat(rows, 0)


@METRICS.register_module()
class MSegMetric(BaseMetric):
    """Per-test-set mIoU of a universal model, and their harmonic mean (``mIoU``).

    Every sample names its test set (``mseg_dataset`` in its metainfo; the MSeg test pipeline
    packs it, with ``mseg_lists_root``, the lists folder its dataset read). Its universal
    scores are mapped to the set's classes by :func:`map_to_test_set`, then scored against the
    set's own labels.

    Args:
        lists_root: mseg-api's ``dataset_lists`` folder (the test sets' class lists); None (the
            configs): each sample's ``mseg_lists_root``.
        mapping: 'probability_sum' (MSeg's: universal probabilities summed per test class) or
            'universal_argmax' (the original GSS's: the universal arg-max, then its test class);
            :func:`map_to_test_set`.
        scores: what the model's ``seg_logits`` are: 'auto' (probabilities if they are
            non-negative and sum to 1 at every pixel, as GSS-FF's class shares and merged
            --aug-test views, else logits), 'logits' (softmax first) or 'probabilities'.
        absent_classes: 'ignore' (mmseg's and the original GSS's mean over the classes present
            in labels or predictions) or 'zero' (mseg-semantic's mean over all classes).
    """

    def __init__(self, lists_root: Optional[str] = None, mapping: str = 'probability_sum',
                 scores: str = 'auto', absent_classes: str = 'ignore',
                 collect_device: str = 'cpu', prefix: Optional[str] = None,
                 output_dir: Optional[str] = None, **kwargs) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if output_dir is not None:  # tools/test.py --out
            raise InputError('--out: MSeg configs score each test set in its own classes and '
                             'write no prediction files; run without --out')
        check_choice('mapping', mapping, MAPPINGS)
        check_choice('scores', scores, SCORE_KINDS)
        check_choice('absent_classes', absent_classes, ABSENT_CLASSES)
        self.lists_root = lists_root
        self.mapping = mapping
        self.scores = scores
        self.absent_classes = absent_classes
        self._matrices: Dict[Tuple[str, str], Tensor] = {}

    def matrix(self, lists_root: str, name: str) -> Tensor:
        """The (T, 194) universal-to-test matrix of test set ``name`` (cached)."""
        if (lists_root, name) not in self._matrices:
            self._matrices[lists_root, name] = universal_to_test_matrix(lists_root, name)
        return self._matrices[lists_root, name]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            name, lists_root = sample_source(sample, self.lists_root, 'MSegMetric')
            matrix = self.matrix(lists_root, name)
            scores = sample['seg_logits']['data']
            probabilities = self.scores == 'probabilities' or (
                self.scores == 'auto' and are_probabilities(scores))
            pred = map_to_test_set(scores, matrix, probabilities, self.mapping)
            label = sample['gt_sem_seg']['data'].squeeze(0).to(pred.device)
            areas = IoUMetric.intersect_and_union(pred, label, len(matrix), IGNORE)
            self.results.append((name, tuple(a.cpu() for a in areas)))

    def per_set_iou(self, results: List[Tuple[str, tuple]]) -> 'OrderedDict[str, np.ndarray]':
        """Class IoUs of every test set seen, in the order first seen (NaN: class absent)."""
        totals: 'OrderedDict[str, List[Tensor]]' = OrderedDict()
        for name, areas in results:
            if name not in totals:
                totals[name] = [a.clone() for a in areas]
            else:
                for total, area in zip(totals[name], areas):
                    total += area
        return OrderedDict((name, (t[0] / t[1]).numpy()) for name, t in totals.items())

    def compute_metrics(self, results: list) -> Dict[str, float]:
        logger: MMLogger = MMLogger.get_current_instance()
        metrics, table = OrderedDict(), PrettyTable(field_names=['test set', 'mIoU', 'classes'])
        per_set = []
        for name, iou in self.per_set_iou(results).items():
            iou = np.nan_to_num(iou, nan=0.0) if self.absent_classes == 'zero' else iou
            per_set.append(float(np.nanmean(iou) * 100))
            metrics[f'{name}.mIoU'] = round(per_set[-1], 2)
            table.add_row([name, f'{per_set[-1]:.2f}', len(iou)])
        metrics['mIoU'] = round(harmonic_mean(per_set), 2)
        table.add_row(['harmonic mean', f'{metrics["mIoU"]:.2f}', ''])
        print_log('MSeg test sets:\n' + table.get_string(), logger=logger)
        return dict(metrics)
