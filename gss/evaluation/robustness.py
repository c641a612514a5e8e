"""Corruption robustness of segmentors: the corrupted copies of a test split, the results file
that a long run appends to, and the summary: P = clean mIoU, mPC = mean mIoU over corruptions
and severities (mean performance under corruption), rPC = mPC / P (relative performance).

``tools/analysis/robustness.py`` drives these; docs/evaluation.md describes the run.
"""
from __future__ import annotations

import hashlib
import json
import os
import os.path as osp
import statistics
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import mmcv

from gss.datasets.corruptions import corrupt_bgr
from gss.errors import InputError

# What identifies a finished evaluation in the results file.
ENTRY_KEY = ('config', 'checkpoint', 'cfg_options', 'data_root', 'limit', 'seed', 'corruption',
             'severity')
CLEAN = 'clean'  # the entry of the uncorrupted split; its severity is 0


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``: a process
    killed meanwhile leaves the old file or the new one, never a truncated one."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def png_suffix(img_suffix: str) -> str:
    """The file-name ending of a cached copy: the dataset's ending with its extension replaced
    by ``.png`` (``.jpg`` -> ``.png``; ``_leftImg8bit.png`` stays)."""
    stem = img_suffix[:img_suffix.rfind('.')] if '.' in img_suffix else img_suffix
    return stem + '.png'


def cache_folder(work_dir: str, image_dir: str, corruption: str, severity: int,
                 seed: int) -> str:
    """Where the corrupted copies of the images under ``image_dir`` go: one folder per source
    folder (its name and a hash of its absolute path), seed, corruption and severity, laid out
    like ``image_dir``, so every checkpoint tested on that split reads the same copies."""
    source = osp.abspath(image_dir).rstrip(os.sep)
    tag = f'{osp.basename(source)}-{hashlib.sha1(source.encode()).hexdigest()[:8]}'
    return osp.join(osp.abspath(work_dir), 'corrupted', tag, f'seed{seed}', corruption,
                    str(severity))


def _cached_path(image_path: str, image_dir: str, img_suffix: str, out_dir: str) -> str:
    relative = osp.relpath(image_path, image_dir)
    if img_suffix and relative.endswith(img_suffix):
        relative = relative[:-len(img_suffix)]
    return osp.join(out_dir, relative + png_suffix(img_suffix))


def _write_one(task: Tuple[str, str, str, int, int]) -> None:
    source, target, corruption, severity, seed = task
    with open(source, 'rb') as f:
        # As LoadImageFromFile loads it by default: colour, BGR, decoded by OpenCV.
        bgr = mmcv.imfrombytes(f.read(), flag='color', backend='cv2')
    if bgr is None:
        raise InputError(f'{source}: not an image OpenCV can read')
    corrupted = corrupt_bgr(bgr, corruption, severity, seed, osp.basename(source))
    ok, png = cv2.imencode('.png', corrupted)
    if not ok:
        raise InputError(f'{target}: could not encode the corrupted image as PNG')
    write_atomically(target, png.tobytes())


def write_corrupted_images(image_paths: Sequence[str], image_dir: str, img_suffix: str,
                           out_dir: str, corruption: str, severity: int, seed: int,
                           jobs: int = 1, progress: Optional[Callable[[int], None]] = None
                           ) -> int:
    """Write the corrupted copy of every image that has none yet, as a PNG under ``out_dir``
    at the image's path relative to ``image_dir`` with ``img_suffix`` replaced by
    :func:`png_suffix`; returns how many were written.

    Copies already there are kept (they are written atomically, so they are whole).
    ``progress(n)`` is called after each image, written or kept; ``jobs`` > 1 corrupts in that
    many processes.
    """
    advance = progress or (lambda n: None)
    tasks = []
    for path in image_paths:
        target = _cached_path(path, image_dir, img_suffix, out_dir)
        if osp.isfile(target):
            advance(1)
        else:
            tasks.append((path, target, corruption, severity, seed))
    if jobs > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(min(jobs, len(tasks))) as pool:
            for _ in pool.map(_write_one, tasks):
                advance(1)
    else:
        for task in tasks:
            _write_one(task)
            advance(1)
    return len(tasks)


class RobustnessResults:
    """The JSON results file of a robustness run: one entry per finished (model, corruption,
    severity) evaluation, the file rewritten atomically after each, so that a killed run
    loses no finished entry and a rerun skips them.

    An entry holds the :data:`ENTRY_KEY` fields (what was evaluated, and how), ``model`` (a
    display name), ``mIoU`` and ``images``.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.entries: List[dict] = []
        if osp.isfile(path):
            try:
                with open(path) as f:
                    self.entries = list(json.load(f)['entries'])
            except (ValueError, KeyError, TypeError) as err:
                raise InputError(f'{path}: not a robustness results file ({err}); move it away '
                                 f'or pass another --work-dir') from None

    def find(self, key: dict) -> Optional[dict]:
        """The finished entry whose :data:`ENTRY_KEY` fields equal ``key``'s, if any."""
        wanted = tuple(_comparable(key[field]) for field in ENTRY_KEY)
        for entry in self.entries:
            if tuple(_comparable(entry.get(field)) for field in ENTRY_KEY) == wanted:
                return entry
        return None

    def add(self, entry: dict) -> None:
        """Append a finished entry and rewrite the file."""
        self.entries.append(entry)
        text = json.dumps({'entries': self.entries}, indent=1) + '\n'
        write_atomically(self.path, text.encode())


def _comparable(value):
    return json.dumps(value, sort_keys=True)


def summarize(entries: Sequence[dict], corruptions: Sequence[str],
              severities: Sequence[int]) -> dict:
    """One model's robustness figures from its entries (one per corruption and severity,
    plus the clean one).

    Returns:
        ``P`` (clean mIoU), ``mPC`` (mean mIoU over every corruption and severity),
        ``rPC`` (mPC / P), ``per_corruption`` (mean over severities) and ``per_severity``
        (mean over corruptions; severity 0 is the clean mIoU).

    Raises:
        KeyError: an evaluation is missing.
    """
    miou = {(e['corruption'], e['severity']): e['mIoU'] for e in entries}
    clean = miou[(CLEAN, 0)]
    grid = {(c, s): miou[(c, s)] for c in corruptions for s in severities}
    mpc = statistics.fmean(grid.values())
    return {
        'P': clean,
        'mPC': mpc,
        'rPC': mpc / clean if clean else float('nan'),
        'per_corruption': {c: statistics.fmean(grid[(c, s)] for s in severities)
                           for c in corruptions},
        'per_severity': {0: clean, **{s: statistics.fmean(grid[(c, s)] for c in corruptions)
                                      for s in severities}},
    }


def markdown_table(summaries: Dict[str, dict]) -> str:
    """Models as columns; rows P, mPC, rPC, then each corruption's mIoU (mean over
    severities)."""
    models = list(summaries)
    corruptions = list(next(iter(summaries.values()))['per_corruption']) if models else []
    rows = [['clean mIoU (P)'] + [f'{summaries[m]["P"]:.2f}' for m in models],
            ['mPC'] + [f'{summaries[m]["mPC"]:.2f}' for m in models],
            ['rPC'] + [f'{summaries[m]["rPC"]:.3f}' for m in models]]
    rows += [[c] + [f'{summaries[m]["per_corruption"][c]:.2f}' for m in models]
             for c in corruptions]
    lines = ['| | ' + ' | '.join(models) + ' |', '|---' * (len(models) + 1) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def plot_severity_curves(summaries: Dict[str, dict], out_file: str) -> None:
    """mIoU against severity (mean over corruptions; 0 = clean), one line per model."""
    import matplotlib
    matplotlib.use('Agg')  # files only; no display is needed or assumed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for model, summary in summaries.items():
        severities = sorted(summary['per_severity'])
        ax.plot(severities, [summary['per_severity'][s] for s in severities], marker='o',
                label=f'{model} (rPC {summary["rPC"]:.3f})')
    ax.set_xlabel('severity (0 = clean)')
    ax.set_ylabel('mIoU, mean over corruptions')
    ax.grid(alpha=0.3)
    # Below the axes: model names are long and the curves fill the plot.
    ax.legend(fontsize='small', loc='upper center', bbox_to_anchor=(0.5, -0.15))
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    fig.savefig(out_file, dpi=120, bbox_inches='tight')
    plt.close(fig)
