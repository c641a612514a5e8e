"""MSeg's zero-shot evaluation: a universal model scored on each test set in that set's own
classes, and the harmonic mean of the per-set mIoUs (the figure the GSS paper reports)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable
from torch import Tensor

from gss.datasets.mseg.taxonomy import IGNORE, universal_to_test_matrix

ROWS_PER_CHUNK = 64  # rows of an image mapped at once: the (194, rows, W) scores stay small


def harmonic_mean(values: Sequence[float]) -> float:
    """n / sum(1 / x); 0 if any value is 0 (a set scored 0 sinks the mean, as it should)."""
    values = list(values)
    if not values or min(values) <= 0:
        return 0.0
    return len(values) / sum(1.0 / v for v in values)


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
        scores: what the model's ``seg_logits`` are: 'logits' (softmax first) or
            'probabilities' (GSS-FF's class shares of the decoded maskige).
        absent_classes: 'ignore' (mmseg's and the original GSS's mean over the classes present
            in labels or predictions) or 'zero' (mseg-semantic's mean over all classes).
    """

    def __init__(self, lists_root: str = 'data/mseg_lists', scores: str = 'logits',
                 absent_classes: str = 'ignore', collect_device: str = 'cpu',
                 prefix=None, **kwargs) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if scores not in ('logits', 'probabilities'):
            raise ValueError(f"scores must be 'logits' or 'probabilities', got {scores!r}")
        if absent_classes not in ('ignore', 'zero'):
            raise ValueError(f"absent_classes must be 'ignore' or 'zero', got {absent_classes!r}")
        self.lists_root = lists_root
        self.probabilities = scores == 'probabilities'
        self.absent_classes = absent_classes
        self._matrices: Dict[str, Tensor] = {}

    def matrix(self, name: str) -> Tensor:
        if name not in self._matrices:
            self._matrices[name] = universal_to_test_matrix(self.lists_root, name)
        return self._matrices[name]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            name = sample['mseg_dataset']
            matrix = self.matrix(name)
            pred = map_to_test_set(sample['seg_logits']['data'], matrix, self.probabilities)
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
        for name, iou in self.per_set_iou(results).items():
            iou = np.nan_to_num(iou, nan=0.0) if self.absent_classes == 'zero' else iou
            miou = float(np.nanmean(iou) * 100)
            metrics[f'{name}.mIoU'] = round(miou, 2)
            table.add_row([name, f'{miou:.2f}', len(iou)])
        metrics['mIoU'] = round(harmonic_mean([v for v in metrics.values()]), 2)
        table.add_row(['harmonic mean', f'{metrics["mIoU"]:.2f}', ''])
        print_log('MSeg test sets:\n' + table.get_string(), logger=logger)
        return dict(metrics)
