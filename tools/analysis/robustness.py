"""Corruption robustness of one or more segmentors on their test split:

    python tools/analysis/robustness.py CONFIG CHECKPOINT [--model CONFIG2 CHECKPOINT2 ...]
        [--corruptions NAME|GROUP ...] [--severities 1 2 3 4 5] [--seed 0] [--limit N]
        [--work-dir DIR] [--results FILE] [--data-root PATH] [--cfg-options K=V ...]
        [--jobs N] [--plot OUT.png]

Every model is evaluated (mIoU, mmseg's IoUMetric) on its clean test split and under every
corruption x severity. The corrupted images are made once, at full resolution, with per-image
seeds (gss.datasets.corruptions), and kept as PNGs under WORK_DIR/corrupted/, shared by every
checkpoint tested on the same split. Each finished evaluation is appended to the results file
at once (WORK_DIR/robustness.json), so a killed run loses none and a rerun skips them. At the
end: clean mIoU P, mPC (mean over corruptions and severities) and rPC = mPC / P per model, and
the mIoU of every corruption (mean over severities), as a markdown table and JSON.
"""
import argparse
import copy
import json
import os.path as osp
import sys
from typing import Iterator, List, Optional, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmengine.config import Config
from mmengine.registry import LOOPS, init_default_scope
from mmengine.runner import Runner

import gss  # noqa: F401  (compatibility patches and registries)
from gss.checkpoints import load_weights
from gss.datasets.corruptions import DEFAULT_CORRUPTIONS, SEVERITIES, expand_corruptions
from gss.engine import (ConfigOptionsAction, build_runner, prepare_config, run_tool,
                        set_eval_metrics)
from gss.engine.model_specs import (ModelSpec, Progress, add_model_arguments, check_model_files,
                                    model_specs, require_matplotlib)
from gss.errors import InputError
from gss.evaluation.robustness import (CLEAN, RobustnessResults, cache_folder, markdown_table,
                                       plot_severity_curves, png_suffix, summarize,
                                       write_corrupted_images)

# As in tools/test.py: testing never trains or validates, and a data root holding only the
# evaluated split is enough.
NOT_FOR_TESTING = ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler',
                   'val_dataloader', 'val_cfg', 'val_evaluator')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Evaluate segmentors on their test split, clean and under image '
                    'corruptions (mIoU; P, mPC, rPC).')
    add_model_arguments(parser)
    parser.add_argument('--corruptions', nargs='+', default=list(DEFAULT_CORRUPTIONS),
                        metavar='NAME',
                        help='corruptions, or groups of them (noise, blur, weather, digital, '
                             'common, validation); default: the 14 common ones that keep '
                             'labels valid (all but elastic_transform)')
    parser.add_argument('--severities', nargs='+', type=int, default=list(SEVERITIES),
                        metavar='S', help='severities 1-5 (default: all)')
    parser.add_argument('--seed', type=int, default=0,
                        help='varies the noise of every corrupted image at once')
    parser.add_argument('--limit', type=int, help='evaluate the first N test images only')
    parser.add_argument('--work-dir', default='work_dirs/robustness',
                        help='where the corrupted images, results and logs go')
    parser.add_argument('--results', help='results file (default: WORK_DIR/robustness.json)')
    parser.add_argument('--data-root', help='replace the data root of every test dataset')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction,
                        help='override config values of every model')
    parser.add_argument('--jobs', type=int, default=1,
                        help='processes that corrupt images (default 1)')
    parser.add_argument('--plot', metavar='OUT.png',
                        help='draw mIoU against severity (mean over corruptions) per model')
    return parser.parse_args(argv)


def check_args(args: argparse.Namespace) -> None:
    """Refuse bad values before any model is built."""
    args.corruptions = list(expand_corruptions(args.corruptions))
    bad = [s for s in args.severities if s not in SEVERITIES]
    if bad:
        raise InputError(f'--severities {" ".join(map(str, bad))}: not one of '
                         f'{", ".join(map(str, SEVERITIES))}')
    args.severities = sorted(set(args.severities))
    if args.limit is not None and args.limit < 1:
        raise InputError(f'--limit {args.limit}: must be 1 or more')
    if args.jobs < 1:
        raise InputError(f'--jobs {args.jobs}: must be 1 or more')
    if args.plot:
        require_matplotlib('--plot')
    check_model_files(args)


def model_config(model: ModelSpec, args: argparse.Namespace) -> Config:
    """The model's test config: mIoU only, the first ``--limit`` images, quiet logging."""
    run_dir = osp.join(args.work_dir, 'runs', osp.splitext(osp.basename(model.config))[0])
    cfg = prepare_config(model.config, run_dir, args.cfg_options, data_root=args.data_root,
                         data_keys=('test_dataloader',))
    dataset = cfg.test_dataloader.dataset
    if 'img_path' not in (dataset.get('data_prefix') or {}):
        raise InputError(f'{model.config}: the test dataset ({dataset.get("type")}) has no '
                         f'data_prefix.img_path; robustness runs evaluate one image folder '
                         f'(not dataset wrappers such as MSeg\'s test sets)')
    set_eval_metrics(cfg, ['mIoU'])
    cfg.load_from = None  # loaded strictly below, as tools/test.py does
    for key in NOT_FOR_TESTING:
        cfg[key] = None
    if args.limit:
        dataset.indices = args.limit
    # The progress bar is the console output; the log file under WORK_DIR/runs/ keeps warnings.
    cfg.log_level = 'WARNING'
    return cfg


def evaluated_images(cfg: Config) -> Tuple[str, str, List[str]]:
    """(image folder, image file-name ending, the paths of the images evaluated)."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    from mmseg.registry import DATASETS

    dataset = DATASETS.build(copy.deepcopy(cfg.test_dataloader.dataset))
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    return dataset.data_prefix['img_path'], dataset.img_suffix, paths


def conditions(args: argparse.Namespace) -> Iterator[Tuple[str, int]]:
    """(corruption, severity) of every evaluation of a model, the clean one first."""
    yield CLEAN, 0
    for corruption in args.corruptions:
        for severity in args.severities:
            yield corruption, severity


def entry_key(model: ModelSpec, args: argparse.Namespace, corruption: str,
              severity: int) -> dict:
    return dict(config=osp.abspath(model.config), checkpoint=osp.abspath(model.checkpoint),
                cfg_options=args.cfg_options or {},
                data_root=osp.abspath(args.data_root) if args.data_root else None,
                limit=args.limit, seed=args.seed, corruption=corruption, severity=severity)


def corrupted_loader(cfg: Config, args: argparse.Namespace, images: Tuple[str, str, List[str]],
                     corruption: str, severity: int) -> Tuple[dict, int]:
    """The test dataloader reading the cached corrupted copies, and how many of them had to be
    written first; the labels still come from the original annotation folder."""
    image_dir, img_suffix, paths = images
    folder = cache_folder(args.work_dir, image_dir, corruption, severity, args.seed)
    progress = Progress(len(paths), f'corrupting {corruption} s{severity}', leave=False)
    written = write_corrupted_images(paths, image_dir, img_suffix, folder, corruption, severity,
                                     args.seed, args.jobs, lambda n: progress.step(count=n))
    progress.close()
    loader = copy.deepcopy(cfg.test_dataloader)
    loader.dataset.data_prefix.img_path = folder  # absolute: data_root is not prepended
    loader.dataset.img_suffix = png_suffix(img_suffix)
    return loader, written


def evaluate(runner: Runner, cfg: Config, loader: dict) -> float:
    """mIoU of the runner's model on ``loader``'s images."""
    loop_cfg = dict(cfg.test_cfg or {})
    loop_cfg.setdefault('type', 'TestLoop')
    # Hooks (logging, timing) reach the running loop through runner.test_loop, so each
    # evaluation's loop is installed on the runner; mmengine has no public setter for it.
    runner._test_loop = LOOPS.build(loop_cfg, default_args=dict(
        runner=runner, dataloader=loader, evaluator=copy.deepcopy(cfg.test_evaluator)))
    # IoUMetric reports percent rounded to 2 decimals, as a float32.
    return round(float(runner.test_loop.run()['mIoU']), 2)


def evaluate_model(model: ModelSpec, args: argparse.Namespace, results: RobustnessResults,
                   progress: Progress) -> Tuple[int, int]:
    """Run the model's evaluations that the results file lacks; returns how many ran and how
    many corrupted images were written for them."""
    pending = [(c, s) for c, s in conditions(args)
               if results.find(entry_key(model, args, c, s)) is None]
    finished = len(list(conditions(args))) - len(pending)
    if finished:
        progress.step(f'{model.name}: {finished} finished before', count=finished)
    if not pending:
        return 0, 0
    cfg = model_config(model, args)
    images = evaluated_images(cfg)
    runner = build_runner(cfg)
    checkpoint = load_weights(runner.model, model.checkpoint)
    runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    runner.call_hook('before_run')
    written = 0
    for corruption, severity in pending:
        loader, new_images = ((cfg.test_dataloader, 0) if corruption == CLEAN else
                              corrupted_loader(cfg, args, images, corruption, severity))
        written += new_images
        miou = evaluate(runner, cfg, loader)
        results.add(dict(entry_key(model, args, corruption, severity), model=model.name,
                         mIoU=miou, images=len(images[2])))
        shown = corruption if corruption == CLEAN else f'{corruption} s{severity}'
        progress.step(f'{model.name} {shown}: mIoU {miou:.2f}')
    runner.call_hook('after_run')
    return len(pending), written


def report(models: List[ModelSpec], args: argparse.Namespace,
           results: RobustnessResults) -> None:
    """Print and write the summary (markdown and JSON), and the plot if asked for."""
    summaries = {}
    for model in models:
        entries = [results.find(entry_key(model, args, c, s)) for c, s in conditions(args)]
        summaries[model.name] = summarize(entries, args.corruptions, args.severities)
    table = markdown_table(summaries)
    stem = osp.splitext(args.results)[0]
    with open(f'{stem}_summary.md', 'w') as f:
        f.write(table + '\n')
    with open(f'{stem}_summary.json', 'w') as f:
        json.dump(dict(corruptions=args.corruptions, severities=args.severities,
                       seed=args.seed, limit=args.limit, models=summaries), f, indent=1)
    print(table)
    for name, summary in summaries.items():
        print(f'{name}: P {summary["P"]:.2f}  mPC {summary["mPC"]:.2f}  '
              f'rPC {summary["rPC"]:.3f}')
    print(f'results: {args.results}; summary: {stem}_summary.md, {stem}_summary.json')
    if args.plot:
        plot_severity_curves(summaries, args.plot)
        print(f'plot: {args.plot}')


def robustness(args: argparse.Namespace) -> None:
    check_args(args)
    args.results = args.results or osp.join(args.work_dir, 'robustness.json')
    results = RobustnessResults(args.results)
    models = model_specs(args)
    per_model = len(list(conditions(args)))
    progress = Progress(len(models) * per_model, 'robustness')
    counts = [evaluate_model(model, args, results, progress) for model in models]
    progress.close()
    evaluated, written = (sum(column) for column in zip(*counts))
    print(f'evaluated {evaluated}, skipped {len(models) * per_model - evaluated} '
          f'(already in {args.results}); corrupted images written: {written} '
          f'(cache: {osp.join(args.work_dir, "corrupted")})')
    report(models, args, results)


def main() -> None:
    run_tool(__file__, robustness, parse_args())


if __name__ == '__main__':
    main()
