"""What tools/train.py and tools/test.py leave behind, read back: the metrics tools/test.py
prints, and the scalars mmengine logs in a work dir (every session of a resumed run)."""
from __future__ import annotations

import json
import os
import os.path as osp
import re
import statistics
from typing import Dict, List, Sequence, Tuple

CLASS_ROW = re.compile(r'^\|\s*([^|]+?)\s*\|\s*([0-9.]+|nan)\s*\|\s*([0-9.]+|nan)\s*\|$')
TEST_MIOU = re.compile(r'Iter\(test\) \[\s*\d+/\d+\].*?mIoU: ([0-9.]+)')
TEST_TIME = re.compile(r'Iter\(test\) \[\s*\d+/\d+\]\s+eta:.*?\stime: ([0-9.]+)')


def parse_test_output(lines: Sequence[str]) -> Tuple[float, Dict[str, float], float]:
    """(mIoU, {class: IoU}, median seconds per test image) from tools/test.py's output."""
    miou = None
    class_iou = {}
    iter_times = []
    for line in lines:
        row = CLASS_ROW.match(line.strip())
        if row:
            class_iou[row.group(1)] = float(row.group(2))
        found = TEST_MIOU.search(line)
        if found:
            miou = float(found.group(1))
        timed = TEST_TIME.search(line)
        if timed:
            iter_times.append(float(timed.group(1)))
    if miou is None:
        raise RuntimeError('tools/test.py printed no mIoU (see the log above)')
    seconds = statistics.median(iter_times) if iter_times else float('nan')
    return miou, class_iou, seconds


def logged_records(work_dir: str) -> List[dict]:
    """Every record mmengine logged in ``work_dir``, session after session of a resumed run."""
    records = []
    for entry in sorted(os.listdir(work_dir)):
        path = osp.join(work_dir, entry, 'vis_data', 'scalars.json')
        if osp.isfile(path):
            with open(path) as f:
                records += list(map(json.loads, f))
    return records


def training_scalars(records: List[dict]) -> List[dict]:
    """The training records among ``logged_records(work_dir)``."""
    return [r for r in records if 'loss' in r]


def validation_curve(records: List[dict]) -> List[List[float]]:
    """[iteration, mIoU] of every validation among ``logged_records(work_dir)``, by iteration;
    a validation repeated by a resumed session counts once (its latest)."""
    curve = dict((r['step'], r['mIoU']) for r in records if 'mIoU' in r)
    return [[step, curve[step]] for step in sorted(curve)]


def record_summary(record: dict) -> str:
    """A training record as the report quotes it: 'iter 4000, lr 0, loss 0.144, time 1.033'."""
    keys = [k for k in ('iter', 'lr', 'loss', 'time') if k in record]
    return ', '.join(f'{k} {record[k]:.4g}' if isinstance(record[k], float) else f'{k} {record[k]}'
                     for k in keys)
