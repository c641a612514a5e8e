"""The Markdown report of a comparison over seeds: figures as mean ± sample std over the seeds
(a single seed's as they are), each seed's mIoU with the median run marked, the ranking by the
means, GSS's targets on the means, mIoU against iterations, every class's IoU, the commands."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Mapping, Optional, Sequence

from model_comparison import RunResult
from report import figure, markdown_table, mean_std
from seed_summary import ModelSummary, ranking

# The runs train one after another or beside others, at whatever load the machine had: their
# speed ratios inform, and train_speed.py's side-by-side ratios decide the speed targets.
NOT_SIDE_BY_SIDE = " (runs' logs, not side by side)"


def format_table(summaries: Sequence[ModelSummary], classes: Sequence[str] = ()) -> str:
    """mIoU, the named classes' IoU, speed, memory, parameters: one row per model."""
    kind = summaries[0].median.memory_kind if summaries else 'RSS'
    header = ['model', 'mIoU'] + list(classes) + ['s/iter (train)', 'img/s (test)',
                                                  f'peak {kind} MB', 'params M']
    rows = []
    for s in summaries:
        cells = [s.name, mean_std(s.mious)] + [mean_std(s.class_ious(c)) for c in classes]
        cells += [figure(s.mean_of('seconds_per_iter'), 3),
                  figure(s.mean_of('test_images_per_second'), 2),
                  figure(s.mean_of('peak_memory_mb'), 0), f'{s.median.params_m:.2f}']
        rows.append(cells)
    return markdown_table(header, rows)


def format_seed_table(summaries: Sequence[ModelSummary]) -> str:
    """Each seed's mIoU per model, the median run marked, then mean ± std and the median seed."""
    seeds = sorted({seed for s in summaries for seed in s.seeds})
    rows = []
    for s in summaries:
        cells = [s.name]
        for seed in seeds:
            run = s.runs.get(seed)
            mark = ' (median)' if seed == s.median_seed else ''
            cells.append('' if run is None else f'{run.miou:.2f}{mark}')
        rows.append(cells + [mean_std(s.mious), f'seed {s.median_seed}'])
    return markdown_table(['model'] + [f'seed {seed}' for seed in seeds] +
                          ['mean ± std', 'median run'], rows)


@dataclass
class Target:
    """One of GSS's targets as measured: what it asks, the measured figures, and the margin by
    which it is met (positive) or missed (negative; NaN: not measured)."""
    name: str
    measured: str
    margin: float
    digits: int

    @property
    def status(self) -> str:
        """'met, margin +0.10', 'missed, margin -0.03', or '-' when not measured."""
        if self.margin != self.margin:
            return '-'
        verdict = 'met' if self.margin >= 0 else 'missed'
        return f'{verdict}, margin {self.margin:+.{self.digits}f}'


def measure_targets(summaries: Sequence[ModelSummary], ceiling: Optional[RunResult] = None,
                    ceiling_floor: Optional[float] = None) -> List[Target]:
    """GSS's targets on the means over the seeds: GSS-FF / baseline mIoU >= 1.00, GSS-FF's
    training step (<= 1.3x) and test throughput (>= 0.5x) against the baseline's, GSS-FF -
    GMMSeg and GSS-FF - ProtoSeg >= 0, GSS-FT-W - GSS-FF >= +1.0, and, given the stage-1
    ``ceiling`` and its ``ceiling_floor``, the ceiling's mIoU >= the floor. The speeds come from
    the training logs and test runs, one model after another, and their names say so;
    ``train_speed.py`` measures them side by side. Targets whose models were not run are left
    out; none without GSS-FF."""
    by_name = {s.name: s for s in summaries}
    ff = by_name.get('gss-ff')
    if ff is None:
        return []
    rows = []
    base = by_name.get('baseline')
    if base is not None:
        ratio = ff.miou_mean / base.miou_mean
        rows.append(Target('GSS-FF mIoU / baseline >= 1.00',
                           f'{ratio:.3f} ({ff.miou_mean:.2f} / {base.miou_mean:.2f})',
                           ratio - 1.0, 3))
        step = ff.mean_of('seconds_per_iter') / base.mean_of('seconds_per_iter')
        rows.append(Target('GSS-FF training step <= 1.3x baseline' + NOT_SIDE_BY_SIDE,
                           f'{step:.2f}x', 1.3 - step, 2))
        test = ff.mean_of('test_images_per_second') / base.mean_of('test_images_per_second')
        rows.append(Target('GSS-FF test throughput >= 0.5x baseline' + NOT_SIDE_BY_SIDE,
                           f'{test:.2f}x', test - 0.5, 2))
    for peer in ('gmmseg', 'protoseg'):
        other = by_name.get(peer)
        if other is not None:
            diff = ff.miou_mean - other.miou_mean
            rows.append(Target(f'GSS-FF mIoU - {peer} >= 0',
                               f'{diff:+.2f} ({ff.miou_mean:.2f} - {other.miou_mean:.2f})',
                               diff, 2))
    ftw = by_name.get('gss-ftw')
    if ftw is not None:
        gain = ftw.miou_mean - ff.miou_mean
        rows.append(Target('GSS-FT-W mIoU - GSS-FF >= +1.0',
                           f'{gain:+.2f} ({ftw.miou_mean:.2f} - {ff.miou_mean:.2f})',
                           gain - 1.0, 2))
    if ceiling is not None and ceiling_floor is not None:
        rows.append(Target(f'GSS stage-1 ceiling mIoU >= {ceiling_floor:g}',
                           f'{ceiling.miou:.2f}', ceiling.miou - ceiling_floor, 2))
    return rows


def format_targets(targets: Sequence[Target]) -> str:
    """``measure_targets``' targets as a table: each target, measured, met or missed with its
    margin; '' when there is none."""
    rows = [[t.name, t.measured, t.status] for t in targets]
    return markdown_table(['target', 'measured (means)', 'status'], rows) if rows else ''


def format_targets_side_by_side(by_split: Mapping[str, Sequence[Target]]) -> str:
    """The targets of several splits in one table, a column per split (split -> its
    ``measure_targets``), each cell 'measured: met/missed, margin'; a target a split did not
    measure is left empty there. '' when no split measured any."""
    names: List[str] = []
    for targets in by_split.values():
        names += [t.name for t in targets if t.name not in names]
    if not names:
        return ''
    cells = {split: {t.name: f'{t.measured}: {t.status}' for t in targets}
             for split, targets in by_split.items()}
    return markdown_table(['target'] + list(by_split),
                          [[name] + [cells[split].get(name, '') for split in by_split]
                           for name in names])


def format_curve(results: Sequence) -> str:
    """mIoU against iterations (the validations during training), one column per model (any
    object with ``name`` and ``val_curve``: a RunResult, or a ModelSummary's mean curve), with
    the models' ranking at each iteration (marked when a model has no validation there) and the
    first iteration from which it no longer changes. Models with fewer than two validations are
    left out; '' when fewer than two remain."""
    results = [r for r in results if len(r.val_curve) >= 2]
    if len(results) < 2:
        return ''
    curves = [dict((int(step), miou) for step, miou in r.val_curve) for r in results]
    rows = []
    complete = []  # (iteration, ranking) where every model has a validation
    for step in sorted(set().union(*curves)):
        present = [(curve[step], r.name) for r, curve in zip(results, curves) if step in curve]
        ranked = ' > '.join(name for _, name in sorted(present, key=lambda p: -p[0]))
        missing = [r.name for r, curve in zip(results, curves) if step not in curve]
        if missing:
            ranked += f' (without {", ".join(missing)})'
        else:
            complete.append((step, ranked))
        cells = [f'{curve[step]:.2f}' if step in curve else '' for curve in curves]
        rows.append([str(step)] + cells + [ranked])
    table = markdown_table(['iteration'] + [r.name for r in results] + ['ranking'], rows)
    return table + '\n\n' + _settled(complete)


def _settled(complete: List[tuple]) -> str:
    if len(complete) < 2:
        return 'Ranking: fewer than two validations where every model has one.'
    if complete[-1][1] != complete[-2][1]:
        return (f'Ranking changed at the last validation where every model has one '
                f'(iteration {complete[-1][0]}): not settled.')
    stable_from = complete[-1][0]
    for step, ranked in reversed(complete):
        if ranked != complete[-1][1]:
            break
        stable_from = step
    return (f'Ranking unchanged from iteration {stable_from} to {complete[-1][0]} '
            f'(validations where every model has one).')


def format_class_table(summaries: Sequence[ModelSummary]) -> str:
    """Every class's IoU (mean ± std over the seeds), one row per model."""
    classes = list(summaries[0].median.class_iou)
    return markdown_table(['model'] + classes,
                          [[s.name] + [mean_std(s.class_ious(c)) for c in classes]
                           for s in summaries])


def format_report(title: str, summaries: Sequence[ModelSummary], classes: Sequence[str],
                  targets: Sequence[Target] = (), ceiling: Optional[RunResult] = None,
                  stage1: Optional[str] = None, curve_left_out: Sequence[str] = ()) -> str:
    """The whole report; ``targets``: ``measure_targets`` of the summaries; ``curve_left_out``:
    models that train on their own axis (GSS-FT-W)."""
    seeds = ' '.join(map(str, sorted({seed for s in summaries for seed in s.seeds})))
    lines = [f'# {title}', '', f'Seeds: {seeds} (figures: mean ± sample std over the seeds).',
             '', format_table(summaries, classes), '',
             'mIoU of each seed (the median run is the one `--export-median` ships):', '',
             format_seed_table(summaries), '', f'Ranking by the mean mIoU: {ranking(summaries)}',
             '']
    if targets:
        lines += [f'Targets, on the means over seeds {seeds}:', '', format_targets(targets), '']
    curve = format_curve([s for s in summaries if s.name not in curve_left_out])
    if curve:
        own_axis = (f'; {", ".join(curve_left_out)} trains on its own axis and is left out'
                    if curve_left_out else '')
        lines += ['mIoU during training (the evaluated split at the configs\' val_interval, fp32 '
                  'weights, mean over the seeds; the tables above test the fp16 exports'
                  f'{own_axis}):', '', curve, '']
    rows = list(summaries)
    if ceiling is not None:
        lines += [f'Stage-1 ceiling of GSS (ground truth -> X -> VQ-VAE -> X^-1, no image '
                  f'network; `{stage1}`): mIoU {ceiling.miou:.2f}.', '']
        rows.append(ModelSummary('stage1', {0: ceiling}))
    lines += ['Per-class IoU (stage1: the ceiling):', '', format_class_table(rows), '',
              'Commands (the median run of each model):', '']
    for s in summaries:
        r = s.median
        lines += [f'- {s.name} (seed {r.seed}): `{r.train_command}`; `{r.test_command}`'
                  + (f' (last log: {r.train_log_tail[-1]})' if r.train_log_tail else '')]
    return '\n'.join(lines)
