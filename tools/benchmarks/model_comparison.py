"""Train and evaluate several models one after another, and compare them in one table.

The engine behind ``compare_heads.py`` (built-in dataset) and ``camvid_cpu.py`` (CamVid on a CPU).
Each model trains with ``tools/train.py`` and is evaluated with ``tools/test.py`` on its exported
checkpoint, in child processes, so what the table reports is what those tools reproduce. A model
whose ``result.json`` exists is not retrained; an interrupted training resumes from its latest
checkpoint.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))

import torch  # noqa: E402

from gss.checkpoints import save_atomically  # noqa: E402


@dataclass
class ModelRun:
    """One model of a comparison. ``init_from`` names an earlier run whose final checkpoint
    initialises this one (GSS-FT-W starts from GSS-FF's) and is merged into its export."""
    name: str
    config: str
    init_from: Optional[str] = None
    minutes_estimate: float = 10.0


@dataclass
class RunResult:
    """What one model measured; kept as ``result.json`` in its work dir."""
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


# ------------------------------------------------------------------------------ child processes
def run_streamed(cmd: Sequence[str], prefix: str, log_path: str) -> tuple:
    """Run ``cmd``, echo its output with ``prefix`` and keep it in ``log_path``.

    Returns (exit code, output lines, peak resident memory in MB of the process tree's largest
    process, wall seconds). ``os.wait4`` gives this child's own resource usage.
    """
    start = time.perf_counter()
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.Popen(list(cmd), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    lines = []
    with open(log_path, 'a') as log:
        for line in proc.stdout:
            lines.append(line.rstrip('\n'))
            log.write(line)
            print(f'{prefix} {line}', end='', flush=True)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, lines, usage.ru_maxrss / 1024, time.perf_counter() - start


# ------------------------------------------------------------------------------ log parsing
def parse_test_output(lines: Sequence[str]) -> tuple:
    """(mIoU, {class: IoU}, seconds per test image) from tools/test.py's output."""
    miou = None
    class_iou = {}
    iter_times = []
    for line in lines:
        row = re.match(r'^\|\s*([^|]+?)\s*\|\s*([0-9.]+|nan)\s*\|\s*([0-9.]+|nan)\s*\|$',
                       line.strip())
        if row:
            class_iou[row.group(1)] = float(row.group(2))
        found = re.search(r'Iter\(test\) \[\s*\d+/\d+\].*?mIoU: ([0-9.]+)', line)
        if found:
            miou = float(found.group(1))
        timed = re.search(r'Iter\(test\) \[\s*\d+/\d+\]\s+eta:.*?\stime: ([0-9.]+)', line)
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


# ------------------------------------------------------------------------------ checkpoints
def load_state_dict(path: str) -> dict:
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    return checkpoint.get('state_dict', checkpoint)


def export_checkpoint(final: str, out: str, merge_into: Optional[str] = None) -> str:
    """Write the final weights as a plain fp16 state dict (half the size; ``weights_only=True``
    loads it and mmengine casts it back to the model's dtype). ``merge_into``: a GSS-FF
    checkpoint whose image network the GSS-FT-W weights in ``final`` are merged with."""
    from merge_checkpoints import merge
    state = load_state_dict(final)
    if merge_into is not None:
        state, _ = merge(load_state_dict(merge_into), state)
    state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    save_atomically(state, out)
    return out


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
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, config))
    for option in cfg_options:
        if option.startswith('train_cfg.max_iters='):
            return int(option.split('=', 1)[1])
    return int(cfg.train_cfg.max_iters)


# ------------------------------------------------------------------------------ one model
class Comparison:
    """Runs ``runs`` in order under ``work_dir``; ``export_dir`` receives the checkpoints."""

    def __init__(self, runs: Sequence[ModelRun], work_dir: str, export_dir: Optional[str] = None,
                 iters: Optional[int] = None, data_root: Optional[str] = None,
                 export_names: Optional[Dict[str, str]] = None) -> None:
        self.runs = list(runs)
        self.work_dir = osp.abspath(work_dir)
        self.export_dir = osp.abspath(export_dir) if export_dir else None
        self.iters = iters
        self.data_root = data_root
        self.export_names = export_names or {}
        self.started = time.perf_counter()
        self.results: Dict[str, RunResult] = {}

    def run_dir(self, name: str) -> str:
        return osp.join(self.work_dir, name)

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
        name = self.export_names.get(run.name, run.name) + '.pth'
        return osp.join(self.export_dir or self.run_dir(run.name), name)

    def final_checkpoint(self, run: ModelRun) -> str:
        iters = max_iters(run.config, self.train_options(run))
        return osp.join(self.run_dir(run.name), f'iter_{iters}.pth')

    def run_all(self) -> Dict[str, RunResult]:
        for index, run in enumerate(self.runs):
            self.progress(index)
            self.results[run.name] = self.run_one(run, f'[{index + 1}/{len(self.runs)} {run.name}]')
        return self.results

    def progress(self, index: int) -> None:
        elapsed = (time.perf_counter() - self.started) / 60
        line = f'== {index}/{len(self.runs)} models done, {elapsed:.1f} min elapsed'
        if self.iters is None:
            remaining = [r for r in self.runs[index:] if not osp.isfile(self.result_path(r))]
            line += (f', about {sum(r.minutes_estimate for r in remaining):.0f} min to go '
                     f'(2-core CPU estimate)')
        print(line, flush=True)

    def result_path(self, run: ModelRun) -> str:
        return osp.join(self.run_dir(run.name), 'result.json')

    def earlier_result(self, name: str) -> Optional[RunResult]:
        """The result a finished earlier invocation left for ``name``, if any (one written
        before results kept the validation curve gets it from the training logs)."""
        path = osp.join(self.run_dir(name), 'result.json')
        if not osp.isfile(path):
            return None
        result = RunResult(**_read_json(path, {}))
        if not result.val_curve:
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
        code, lines, peak, _ = run_streamed(test_cmd, prefix, log)
        if code != 0:
            raise RuntimeError(f'{name}: evaluation failed (exit {code}); see {log}')
        return (test_cmd,) + parse_test_output(lines) + (peak,)

    def run_one(self, run: ModelRun, prefix: str) -> RunResult:
        result = self.earlier_result(run.name)
        if result is not None:
            print(f'{prefix} finished earlier: mIoU {result.miou:.2f} ({self.result_path(run)})')
            return result
        work_dir = self.run_dir(run.name)
        os.makedirs(work_dir, exist_ok=True)
        options = self.train_options(run)
        final = self.final_checkpoint(run)
        train_cmd = [sys.executable, 'tools/train.py', run.config, '--work-dir', work_dir]
        if run.init_from is not None:
            train_cmd += ['--load-from', self.final_checkpoint(self.run_by_name(run.init_from))]
        if self.data_root:
            train_cmd += ['--data-root', self.data_root]
        if options:
            train_cmd += ['--cfg-options'] + options
        usage_path = osp.join(work_dir, 'train_usage.json')
        peak_train = _read_json(usage_path, dict(peak_rss_mb=float('nan')))['peak_rss_mb']
        if not osp.isfile(final):
            code, _, peak, _ = run_streamed(train_cmd + ['--resume'], prefix,
                                            osp.join(work_dir, 'train_output.log'))
            # The peak over every session of a resumed run.
            peak_train = peak if peak_train != peak_train else max(peak, peak_train)
            save_atomically(dict(peak_rss_mb=peak_train), usage_path, as_json=True)
            if code != 0 or not osp.isfile(final):
                raise RuntimeError(f'{run.name}: training failed (exit {code}); its output is '
                                   f'in {work_dir}/train_output.log; run again to resume')
        merge_into = None
        if run.init_from is not None:
            merge_into = self.final_checkpoint(self.run_by_name(run.init_from))
        exported = export_checkpoint(final, self.exported_path(run), merge_into)
        test_cmd, miou, class_iou, test_seconds, _ = self.evaluate(run.name, run.config,
                                                                   exported, prefix)
        logged = logged_records(work_dir)
        records = training_scalars(logged)
        times = [r['time'] for r in records if 'time' in r]
        gpu_memory = [r['memory'] for r in records if 'memory' in r]
        peak, kind = (max(gpu_memory), 'GPU') if gpu_memory else (peak_train, 'RSS')
        result = RunResult(
            name=run.name, config=run.config, checkpoint=osp.relpath(exported, ROOT),
            miou=miou, class_iou=class_iou,
            seconds_per_iter=statistics.median(times) if times else float('nan'),
            test_images_per_second=1.0 / test_seconds if test_seconds else float('nan'),
            peak_memory_mb=peak, memory_kind=kind, params_m=count_parameters(run.config),
            iters=max_iters(run.config, options),
            train_command=' '.join(_relative(train_cmd)),
            test_command=' '.join(_relative(test_cmd)),
            train_log_tail=[_summary(r) for r in records[-2:]],
            val_curve=validation_curve(logged))
        save_atomically(asdict(result), self.result_path(run), as_json=True)
        return result

    def evaluate_without_training(self, name: str, config: str) -> RunResult:
        """Evaluate a config that has no trained weights (a stage-1 reconstruction)."""
        result = self.earlier_result(name)
        if result is not None:
            return result
        os.makedirs(self.run_dir(name), exist_ok=True)
        test_cmd, miou, class_iou, test_seconds, peak = self.evaluate(name, config, 'none',
                                                                      f'[{name}]')
        result = RunResult(name=name, config=config, checkpoint='none', miou=miou,
                           class_iou=class_iou, seconds_per_iter=float('nan'),
                           test_images_per_second=1.0 / test_seconds, peak_memory_mb=peak,
                           memory_kind='RSS', params_m=0.0, iters=0, train_command='',
                           test_command=' '.join(_relative(test_cmd)))
        save_atomically(asdict(result), osp.join(self.run_dir(name), 'result.json'),
                        as_json=True)
        return result

    def run_by_name(self, name: str) -> ModelRun:
        for run in self.runs:
            if run.name == name:
                return run
        raise KeyError(f'no run named {name!r}')


def _read_json(path: str, default: dict) -> dict:
    if not osp.isfile(path):
        return default
    with open(path) as f:
        return json.load(f)


def _relative(cmd: Sequence[str]) -> List[str]:
    out = ['python' if part == sys.executable else part for part in cmd]
    return [osp.relpath(p, ROOT) if osp.isabs(p) and p.startswith(ROOT) else p for p in out]


def _summary(record: dict) -> str:
    keys = [k for k in ('iter', 'lr', 'loss', 'time') if k in record]
    return ', '.join(f'{k} {record[k]:.4g}' if isinstance(record[k], float) else f'{k} {record[k]}'
                     for k in keys)


# ------------------------------------------------------------------------------ the table
def _figure(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals; '-' for NaN, a figure not measured (for example the
    training memory of a run trained outside the comparison and only evaluated by it)."""
    return '-' if value != value else f'{value:.{digits}f}'


def format_table(results: Sequence[RunResult], classes: Sequence[str] = ()) -> str:
    """A Markdown table: mIoU, the named classes' IoU, speed, memory, parameters."""
    kind = results[0].memory_kind if results else 'RSS'
    header = ['model', 'mIoU'] + list(classes) + ['s/iter (train)', 'img/s (test)',
                                                  f'peak {kind} MB', 'params M']
    rows = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in results:
        cells = [r.name, f'{r.miou:.2f}']
        cells += [f'{r.class_iou.get(c, float("nan")):.2f}' for c in classes]
        cells += [_figure(r.seconds_per_iter, 3), _figure(r.test_images_per_second, 2),
                  _figure(r.peak_memory_mb, 0), f'{r.params_m:.2f}']
        rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows)


def format_targets(results: Sequence[RunResult]) -> str:
    """GSS's targets in this comparison (issue 15), each with what was measured: GSS-FF's mIoU
    against the baseline's (>= 1.00x), GMMSeg's and ProtoSeg's (>=), GSS-FT-W's gain over its
    GSS-FF (>= +1.0), and GSS-FF's training step (<= 1.3x) and test throughput (>= 0.5x) against
    the baseline's. The speeds here come from the training logs and test runs, which ran one
    after another; ``train_speed.py`` measures them side by side. Targets whose models were not
    run are left out."""
    by_name = {r.name: r for r in results}
    ff = by_name.get('gss-ff')
    if ff is None:
        return ''
    rows = []

    def add(target: str, measured: str, met: bool, short: str) -> None:
        rows.append(f'| {target} | {measured} | {"met" if met else "missed by " + short} |')

    base = by_name.get('baseline')
    if base is not None:
        ratio = ff.miou / base.miou
        add('GSS-FF mIoU >= 1.00x baseline', f'{ratio:.3f}x ({ff.miou:.2f} vs {base.miou:.2f})',
            ratio >= 1.0, f'{base.miou - ff.miou:.2f} mIoU')
        step = ff.seconds_per_iter / base.seconds_per_iter
        add('GSS-FF training step <= 1.3x baseline', f'{step:.2f}x', step <= 1.3,
            f'{step - 1.3:.2f}x')
        test = ff.test_images_per_second / base.test_images_per_second
        add('GSS-FF test throughput >= 0.5x baseline', f'{test:.2f}x', test >= 0.5,
            f'{0.5 - test:.2f}x')
    for peer in ('gmmseg', 'protoseg'):
        other = by_name.get(peer)
        if other is not None:
            add(f'GSS-FF mIoU >= {peer}', f'{ff.miou:.2f} vs {other.miou:.2f}',
                ff.miou >= other.miou, f'{other.miou - ff.miou:.2f} mIoU')
    ftw = by_name.get('gss-ftw')
    if ftw is not None:
        gain = ftw.miou - ff.miou
        add('GSS-FT-W >= GSS-FF + 1.0 mIoU', f'{gain:+.2f}', gain >= 1.0, f'{1.0 - gain:.2f} mIoU')
    if not rows:
        return ''
    return '\n'.join(['| target | measured | |', '|---|---|---|'] + rows)


def format_curve(results: Sequence[RunResult]) -> str:
    """mIoU against iterations (the validations during training), one column per model, with
    the models' ranking at each iteration (marked when a model has no validation there) and
    the first iteration from which it no longer changes. Models with fewer than two
    validations are left out; '' when fewer than two remain."""
    results = [r for r in results if len(r.val_curve) >= 2]
    if len(results) < 2:
        return ''
    curves = [dict((int(step), miou) for step, miou in r.val_curve) for r in results]
    steps = sorted(set().union(*curves))
    rows = ['| iteration | ' + ' | '.join(r.name for r in results) + ' | ranking |',
            '|' + '---|' * (len(results) + 2)]
    complete = []  # (iteration, ranking) where every model has a validation
    for step in steps:
        present = [(curve[step], r.name) for r, curve in zip(results, curves) if step in curve]
        ranking = ' > '.join(name for _, name in sorted(present, key=lambda p: -p[0]))
        missing = [r.name for r, curve in zip(results, curves) if step not in curve]
        if missing:
            ranking += f' (without {", ".join(missing)})'
        else:
            complete.append((step, ranking))
        cells = [f'{curve[step]:.2f}' if step in curve else '' for curve in curves]
        rows.append(f'| {step} | ' + ' | '.join(cells) + f' | {ranking} |')
    rows.append('')
    if len(complete) < 2:
        rows.append('Ranking: fewer than two validations where every model has one.')
    elif complete[-1][1] != complete[-2][1]:
        rows.append(f'Ranking changed at the last validation where every model has one '
                    f'(iteration {complete[-1][0]}): not settled.')
    else:
        stable_from = complete[-1][0]
        for step, ranking in reversed(complete):
            if ranking != complete[-1][1]:
                break
            stable_from = step
        rows.append(f'Ranking unchanged from iteration {stable_from} to {complete[-1][0]} '
                    f'(validations where every model has one).')
    return '\n'.join(rows)


def run_comparison(runs: Sequence[ModelRun], stage1: Optional[str], classes: Sequence[str],
                   args, title: str) -> str:
    """Shared by the comparison scripts: run, tabulate, draw; returns the Markdown report."""
    os.chdir(ROOT)
    comparison = Comparison(runs, args.work_dir, args.export_dir, args.iters, args.data_root,
                            export_names={r.name: osp.splitext(osp.basename(r.config))[0]
                                          for r in runs})
    results = list(comparison.run_all().values())
    lines = [f'# {title}', '', format_table(results, classes), '']
    targets = format_targets(results)
    if targets:
        lines += ['Targets:', '', targets, '']
    curve = format_curve([r for r, run in zip(results, runs) if run.init_from is None])
    if curve:
        lines += ['mIoU during training (val split at the configs\' val_interval, fp32 weights; '
                  'the table above tests the fp16 exports; GSS-FT-W trains on its own axis and '
                  'is left out):', '', curve, '']
    ceiling = comparison.evaluate_without_training('stage1', stage1) if stage1 else None
    if ceiling is not None:
        lines += [f'Stage-1 ceiling of GSS (ground truth -> X -> VQ-VAE -> X^-1, no image '
                  f'network; `{stage1}`): mIoU {ceiling.miou:.2f}.', '']
    lines += ['Per-class IoU (stage1: the ceiling):', '',
              format_class_table(results + ([ceiling] if ceiling else [])), '']
    lines += ['Commands:', '']
    for r in results:
        lines += [f'- {r.name}: `{r.train_command}`; `{r.test_command}`'
                  + (f' (last log: {r.train_log_tail[-1]})' if r.train_log_tail else '')]
    if args.pictures:
        from prediction_pictures import write_pictures
        pictures = write_pictures([(r.name, r.config, r.checkpoint) for r in results],
                                  osp.join(comparison.work_dir, 'pictures'), args.pictures,
                                  args.data_root)
        lines += ['', f'Pictures: {len(pictures)} in {osp.dirname(pictures[0])}']
    report = '\n'.join(lines) + '\n'
    with open(osp.join(comparison.work_dir, 'results.md'), 'w') as f:
        f.write(report)
    print('\n' + report)
    return report


def add_common_arguments(parser, work_dir: str, export_dir: Optional[str],
                         pictures: int) -> None:
    parser.add_argument('--work-dir', default=work_dir)
    parser.add_argument('--export-dir', default=export_dir,
                        help='where the evaluated checkpoints are written (default: each '
                             'model\'s work dir)')
    parser.add_argument('--iters', type=int,
                        help='shorten every schedule to this many iterations (its last LR '
                             'scheduler then ends there too)')
    parser.add_argument('--pictures', type=int, default=pictures,
                        help='val images to draw (0: none)')
    parser.add_argument('--data-root', help='dataset root (default: the configs\')')


def format_class_table(results: Sequence[RunResult]) -> str:
    """A Markdown table of every class's IoU, one row per model."""
    classes = list(results[0].class_iou)
    rows = ['| model | ' + ' | '.join(classes) + ' |', '|' + '---|' * (len(classes) + 1)]
    for r in results:
        cells = [f'{r.class_iou.get(c, float("nan")):.2f}' for c in classes]
        rows.append(f'| {r.name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows)
