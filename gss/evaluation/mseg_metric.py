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

from gss.datasets.mseg.taxonomy import IGNORE, universal_to_test_matrix
from gss.errors import InputError

ROWS_PER_CHUNK = 64  # rows of an image mapped at once: the (194, rows, W) scores stay small


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


def map_to_test_set(scores: Tensor, matrix: Tensor, probabilities: bool) -> Tensor:
    """(U, H, W) universal scores -> (H, W) test-set labels: the universal probabilities of
    each test class's sources summed ((T, U) 0/1 ``matrix``), then the arg-max (MSeg)."""
    matrix = matrix.to(scores.device, torch.float32)
    rows = []
    for chunk in scores.split(ROWS_PER_CHUNK, dim=1):
        chunk = chunk.float() if probabilities else chunk.float().softmax(0)
        rows.append(torch.einsum('tu,uhw->thw', matrix, chunk).argmax(0))
    return torch.cat(rows, 0)


@METRICS.register_module()
class MSegMetric(BaseMetric):
    """Per-test-set mIoU of a universal model, and their harmonic mean (``mIoU``).

    Every sample names its test set (``mseg_dataset`` in its metainfo; the MSeg test pipeline
    packs it). Its universal scores are mapped to the set's classes by
    :func:`map_to_test_set`, then scored against the set's own labels.

    Args:
        lists_root: mseg-api's ``dataset_lists`` folder (the test sets' class lists).
        scores: what the model's ``seg_logits`` are: 'auto' (probabilities if they are
            non-negative and sum to 1 at every pixel, as GSS-FF's class shares and merged
            --aug-test views, else logits), 'logits' (softmax first) or 'probabilities'.
        absent_classes: 'ignore' (mmseg's and the original GSS's mean over the classes present
            in labels or predictions) or 'zero' (mseg-semantic's mean over all classes).
    """

    def __init__(self, lists_root: str = 'data/mseg_lists', scores: str = 'auto',
                 absent_classes: str = 'ignore', collect_device: str = 'cpu',
                 prefix: Optional[str] = None, output_dir: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if output_dir is not None:  # tools/test.py --out
            raise InputError('--out: MSeg configs score each test set in its own classes and '
                             'write no prediction files; run without --out')
        if scores not in ('auto', 'logits', 'probabilities'):
            raise ValueError(f"scores must be 'auto', 'logits' or 'probabilities', got "
                             f"{scores!r}")
        if absent_classes not in ('ignore', 'zero'):
            raise ValueError(f"absent_classes must be 'ignore' or 'zero', got {absent_classes!r}")
        self.lists_root = lists_root
        self.scores = scores
        self.absent_classes = absent_classes
        self._matrices: Dict[str, Tensor] = {}

    def matrix(self, name: str) -> Tensor:
        if name not in self._matrices:
            self._matrices[name] = universal_to_test_matrix(self.lists_root, name)
        return self._matrices[name]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            name = sample.get('mseg_dataset')
            if name is None:
                raise InputError(f'{sample.get("img_path", "a sample")}: no mseg_dataset in its '
                                 f'metainfo; MSegMetric needs MSegDataset samples packed with '
                                 f"PackSegInputs(meta_keys=(..., 'mseg_dataset'))")
            matrix = self.matrix(name)
            scores = sample['seg_logits']['data']
            probabilities = self.scores == 'probabilities' or (
                self.scores == 'auto' and are_probabilities(scores))
            pred = map_to_test_set(scores, matrix, probabilities)
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
