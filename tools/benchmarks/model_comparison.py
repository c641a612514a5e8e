"""Train and evaluate several models one after another on one split with one seed.

The engine behind ``compare_heads.py`` and ``camvid_cpu.py``, which run one ``Comparison`` per
seed. Each model trains with ``tools/train.py`` and is evaluated with ``tools/test.py`` on its
exported checkpoint, in child processes, so what the report says is what those tools reproduce.
A model whose ``result.json`` exists is not retrained; an interrupted training resumes from its
latest checkpoint. With a records folder, each finished run's result is also kept there (a
tracked folder keeps the seeded runs of one session for the next, whose work dirs start empty),
and a run recorded there is not retrained either.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from exports import export_checkpoint, file_sha256  # noqa: E402
from splits import SPLITS, write_split_config  # noqa: E402
from timing import run_streamed  # noqa: E402
from tool_logs import (logged_records, parse_test_output, record_summary,  # noqa: E402
                       training_scalars, validation_curve)

from gss.checkpoints import save_atomically  # noqa: E402


@dataclass
class ModelRun:
    """One model of a comparison. ``init_from`` names an earlier run whose final checkpoint
    initialises this one (GSS-FT-W starts from GSS-FF's) and is merged into its export."""
    name: str
    config: str
    init_from: Optional[str] = None
    minutes_estimate: float = 10.0

    @property
    def config_name(self) -> str:
        """The config's file name without '.py' (what its exported checkpoint is named)."""
        return osp.splitext(osp.basename(self.config))[0]


@dataclass
class RunResult:
    """What one model measured; kept as ``result.json`` in its work dir. ``config`` is the
    model config, ``run_config`` the derived one the run used (its split and seed)."""
    name: str
    config: str
    checkpoint: str
    miou: float
    class_iou: Dict[str, float]
    seconds_per_iter: float
    test_images_per_second: float
    peak_memory_mb: float
    memory_kind: str
    params_m: float
    iters: int
    train_command: str
    test_command: str
    train_log_tail: List[str] = field(default_factory=list)
    # [iteration, mIoU] of every validation during training (the configs' val_interval)
    val_curve: List[List[float]] = field(default_factory=list)
    split: str = 'val'
    seed: Optional[int] = None
    run_config: str = ''
    # of the exported checkpoint: a later session, whose work dir no longer holds it, can still
    # tell whether a shipped file is this run's
    checkpoint_sha256: str = ''


# ------------------------------------------------------------------------------ configs
def count_parameters(config: str) -> float:
    """Parameters (millions) of the model a config builds; GSS's frozen VQ-VAE is not one."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, config))
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    cfg.model.backbone.pop('pretrained', None)
    cwd = os.getcwd()
    os.chdir(ROOT)  # configs name palettes and VQ-VAE files relative to the repository
    try:
        model = MODELS.build(cfg.model)
    finally:
        os.chdir(cwd)
    return sum(p.numel() for p in model.parameters()) / 1e6


def max_iters(config: str, cfg_options: Sequence[str]) -> int:
    """The training iterations of ``config`` under ``cfg_options``."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, config))
    for option in cfg_options:
        if option.startswith('train_cfg.max_iters='):
            return int(option.split('=', 1)[1])
    return int(cfg.train_cfg.max_iters)


# ------------------------------------------------------------------------------ the runs
class Comparison:
    """Runs ``runs`` in order under ``work_dir`` (one folder each) on ``split`` with ``seed``
    (None: the configs' randomness, mmengine draws a seed); ``records``: a folder that keeps a
    copy of each finished run's result (``<name>.json``) and counts as finished what it holds."""

    def __init__(self, runs: Sequence[ModelRun], work_dir: str, split: str = 'val',
                 seed: Optional[int] = None, iters: Optional[int] = None,
                 data_root: Optional[str] = None, records: Optional[str] = None) -> None:
        self.runs = list(runs)
        self.by_name = {run.name: run for run in self.runs}
        self.work_dir = osp.abspath(work_dir)
        self.split = split
        self.seed = seed
        self.iters = iters
        self.data_root = data_root
        self.records = records
        self.started = time.perf_counter()
        self.results: Dict[str, RunResult] = {}

    def run_dir(self, name: str) -> str:
        """The folder of run ``name``: its config, logs, checkpoints and result.json."""
        return osp.join(self.work_dir, name)

    def run_config(self, name: str, config: str, seed: Optional[int]) -> str:
        """The config a run uses: ``config`` itself on val without a seed, else the derived
        config (split dataloaders, seed) written into the run's folder. Written again before
        every use: mmengine dumps its resolved config under the same name when training."""
        if SPLITS[self.split] is None and seed is None:
            return config
        path = osp.join(self.run_dir(name), osp.basename(config))
        return write_split_config(config, self.split, seed, path)

    def train_options(self, run: ModelRun) -> List[str]:
        """--cfg-options of a shortened schedule: ``iters`` iterations, with the last LR
        scheduler ending there (so the learning rate still decays to its end value)."""
        if self.iters is None:
            return []
        from mmengine.config import Config
        schedulers = Config.fromfile(osp.join(ROOT, run.config)).get('param_scheduler') or []
        interval = max(1, self.iters // 4)
        options = [f'train_cfg.max_iters={self.iters}', f'train_cfg.val_interval={self.iters}',
                   f'default_hooks.checkpoint.interval={interval}',
                   f'default_hooks.logger.interval={min(50, interval)}']
        if isinstance(schedulers, (list, tuple)) and schedulers:
            end = max(self.iters, schedulers[-1].get('begin', 0) + 1)  # must follow its begin
            options.append(f'param_scheduler.{len(schedulers) - 1}.end={end}')
        return options

    def exported_path(self, run: ModelRun) -> str:
        """Where the run's fp16 export goes: its folder, under the config's name."""
        return osp.join(self.run_dir(run.name), run.config_name + '.pth')

    def final_checkpoint(self, run: ModelRun) -> str:
        """The checkpoint mmengine writes at the run's last iteration."""
        iters = max_iters(run.config, self.train_options(run))
        return osp.join(self.run_dir(run.name), f'iter_{iters}.pth')

    def prefix(self, run: ModelRun) -> str:
        """What each output line of ``run``'s child processes starts with."""
        index = self.runs.index(run)
        return f'[{self.split} seed {self.seed} {index + 1}/{len(self.runs)} {run.name}]'

    def run_all(self) -> Dict[str, RunResult]:
        """Run (or read) every model in order: {name: result}."""
        for index, run in enumerate(self.runs):
            self.progress(index)
            self.results[run.name] = self.run_one(run, self.prefix(run))
        return self.results

    def training_chains(self) -> List[List[ModelRun]]:
        """The runs as independent chains: each run that starts from scratch, followed by the
        runs that start from its final checkpoint (GSS-FF, then GSS-FT-W)."""
        return [[run] + [r for r in self.runs if r.init_from == run.name]
                for run in self.runs if run.init_from is None]

    def train_chain(self, chain: Sequence[ModelRun]) -> None:
        """Train (or resume) the unfinished runs of ``chain`` one after the other."""
        for run in chain:
            if self.earlier_result(run.name) is None:
                self.train(run, self.prefix(run))

    def progress(self, index: int) -> None:
        """Print how many models are done, and an estimate of the minutes left."""
        elapsed = (time.perf_counter() - self.started) / 60
        line = (f'== {self.split}, seed {self.seed}: {index}/{len(self.runs)} models done, '
                f'{elapsed:.1f} min elapsed')
        if self.iters is None:
            remaining = [r for r in self.runs[index:] if not osp.isfile(self.result_path(r))]
            line += (f', about {sum(r.minutes_estimate for r in remaining):.0f} min to go '
                     f'(2-core CPU estimate)')
        print(line, flush=True)

    def result_path(self, run: ModelRun) -> str:
        """The run's result.json: written last, so it exists only for a finished run."""
        return osp.join(self.run_dir(run.name), 'result.json')

    def record_path(self, name: str) -> Optional[str]:
        """Where the records folder keeps run ``name``'s result (None without one)."""
        return None if self.records is None else osp.join(self.records, f'{name}.json')

    def earlier_result_path(self, name: str) -> Optional[str]:
        """Where a finished earlier invocation left ``name``'s result: its run folder's
        result.json, else its record; None if neither exists."""
        for path in (osp.join(self.run_dir(name), 'result.json'), self.record_path(name)):
            if path is not None and osp.isfile(path):
                return path
        return None

    def earlier_result(self, name: str) -> Optional[RunResult]:
        """The result at ``earlier_result_path``, if any (one written before results kept the
        validation curve gets it from the training logs)."""
        path = self.earlier_result_path(name)
        if path is None:
            return None
        result = RunResult(**_read_json(path, {}))
        if not result.val_curve and osp.isdir(self.run_dir(name)):
            result.val_curve = validation_curve(logged_records(self.run_dir(name)))
        return result

    def evaluate(self, name: str, config: str, checkpoint: str, prefix: str) -> tuple:
        """tools/test.py CONFIG CHECKPOINT --eval mIoU in a child process: (command, mIoU,
        per-class IoU, seconds per test image, peak resident MB)."""
        test_cmd = [sys.executable, 'tools/test.py', config, checkpoint, '--eval', 'mIoU',
                    '--work-dir', osp.join(self.run_dir(name), 'test')]
        if self.data_root:
            test_cmd += ['--data-root', self.data_root]
        log = osp.join(self.run_dir(name), 'test_output.log')
        child = run_streamed(test_cmd, prefix, log, cwd=ROOT)
        if child.returncode != 0:
            raise RuntimeError(f'{name}: evaluation failed (exit {child.returncode}); see {log}')
        return (test_cmd,) + parse_test_output(child.lines) + (child.peak_rss_mb,)

    def train(self, run: ModelRun, prefix: str) -> Tuple[List[str], float]:
        """Train ``run`` unless its final checkpoint exists, resuming an interrupted training:
        (the training command, the peak resident MB over every session)."""
        work_dir = self.run_dir(run.name)
        os.makedirs(work_dir, exist_ok=True)
        options = self.train_options(run)
        final = self.final_checkpoint(run)
        train_cmd = [sys.executable, 'tools/train.py',
                     self.run_config(run.name, run.config, self.seed), '--work-dir', work_dir]
        if run.init_from is not None:
            start = self.final_checkpoint(self.by_name[run.init_from])
            if not osp.isfile(final) and not osp.isfile(start):
                raise RuntimeError(f'{run.name} starts from {run.init_from}\'s final checkpoint '
                                   f'{start}, which is not here ({run.init_from} was recorded '
                                   f'in an earlier session: move its record '
                                   f'{self.record_path(run.init_from)} away to retrain it)')
            train_cmd += ['--load-from', start]
        if self.data_root:
            train_cmd += ['--data-root', self.data_root]
        if options:
            train_cmd += ['--cfg-options'] + options
        usage_path = osp.join(work_dir, 'train_usage.json')
        peak = _read_json(usage_path, dict(peak_rss_mb=float('nan')))['peak_rss_mb']
        if not osp.isfile(final):
            child = run_streamed(train_cmd + ['--resume'], prefix,
                                 osp.join(work_dir, 'train_output.log'), cwd=ROOT)
            peak = child.peak_rss_mb if peak != peak else max(child.peak_rss_mb, peak)
            save_atomically(dict(peak_rss_mb=peak), usage_path, as_json=True)
            if child.returncode != 0 or not osp.isfile(final):
                raise RuntimeError(f'{run.name}: training failed (exit {child.returncode}); its '
                                   f'output is in {work_dir}/train_output.log; run again to '
                                   'resume')
        return train_cmd, peak

    def run_one(self, run: ModelRun, prefix: str) -> RunResult:
        """Train (or resume), export, evaluate and record ``run``; a finished run is read."""
        result = self.earlier_result(run.name)
        if result is not None:
            print(f'{prefix} finished earlier: mIoU {result.miou:.2f} '
                  f'({self.earlier_result_path(run.name)})')
            self.keep_record(result)
            return result
        train_cmd, peak_train = self.train(run, prefix)
        merge_into = None
        if run.init_from is not None:
            merge_into = self.final_checkpoint(self.by_name[run.init_from])
        exported = export_checkpoint(self.final_checkpoint(run), self.exported_path(run),
                                     merge_into)
        run_config = self.run_config(run.name, run.config, self.seed)
        test_cmd, miou, class_iou, test_seconds, _ = self.evaluate(run.name, run_config,
                                                                   exported, prefix)
        logged = logged_records(self.run_dir(run.name))
        records = training_scalars(logged)
        times = [r['time'] for r in records if 'time' in r]
        gpu_memory = [r['memory'] for r in records if 'memory' in r]
        peak, kind = (max(gpu_memory), 'GPU') if gpu_memory else (peak_train, 'RSS')
        result = RunResult(
            name=run.name, config=run.config, checkpoint=repo_relative(exported),
            miou=miou, class_iou=class_iou,
            seconds_per_iter=statistics.median(times) if times else float('nan'),
            test_images_per_second=1.0 / test_seconds if test_seconds else float('nan'),
            peak_memory_mb=peak, memory_kind=kind, params_m=count_parameters(run.config),
            iters=max_iters(run.config, self.train_options(run)),
            train_command=' '.join(_relative(train_cmd)),
            test_command=' '.join(_relative(test_cmd)),
            train_log_tail=[record_summary(r) for r in records[-2:]],
            val_curve=validation_curve(logged), split=self.split, seed=self.seed,
            run_config=repo_relative(run_config), checkpoint_sha256=file_sha256(exported))
        save_atomically(asdict(result), self.result_path(run), as_json=True)
        self.keep_record(result)
        return result

    def keep_record(self, result: RunResult) -> None:
        """Copy ``result`` into the records folder (if any) unless it is there already."""
        path = self.record_path(result.name)
        if path is not None and not osp.isfile(path):
            save_atomically(asdict(result), path, as_json=True)

    def evaluate_without_training(self, name: str, config: str) -> RunResult:
        """Evaluate a config that has no trained weights (a stage-1 reconstruction)."""
        result = self.earlier_result(name)
        if result is not None:
            return result
        os.makedirs(self.run_dir(name), exist_ok=True)
        run_config = self.run_config(name, config, None)
        test_cmd, miou, class_iou, test_seconds, peak = self.evaluate(name, run_config, 'none',
                                                                      f'[{name}]')
        result = RunResult(name=name, config=config, checkpoint='none', miou=miou,
                           class_iou=class_iou, seconds_per_iter=float('nan'),
                           test_images_per_second=1.0 / test_seconds, peak_memory_mb=peak,
                           memory_kind='RSS', params_m=0.0, iters=0, train_command='',
                           test_command=' '.join(_relative(test_cmd)), split=self.split,
                           run_config=repo_relative(run_config))
        save_atomically(asdict(result), osp.join(self.run_dir(name), 'result.json'),
                        as_json=True)
        return result


def train_concurrently(comparisons: Sequence[Comparison], jobs: int) -> None:
    """Train every unfinished run of ``comparisons`` (several seeds or splits), up to ``jobs``
    trainings at a time; a run that starts from another's checkpoint trains right after it, in
    the same slot. A failed training does not stop the others; the first failure is raised once
    they have all ended. Exporting and evaluating stay with ``Comparison.run_all``, which then
    finds the final checkpoints."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(comparison.train_chain, chain) for comparison in comparisons
                   for chain in comparison.training_chains()]
    errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        raise errors[0]


def _read_json(path: str, default: dict) -> dict:
    if not osp.isfile(path):
        return default
    with open(path) as f:
        return json.load(f)


def repo_relative(path: str) -> str:
    """``path`` relative to the repository when it lies inside it, else as it is."""
    inside = osp.isabs(path) and path.startswith(ROOT + os.sep)
    return osp.relpath(path, ROOT) if inside else path


def _relative(cmd: Sequence[str]) -> List[str]:
    return [repo_relative('python' if part == sys.executable else part) for part in cmd]
