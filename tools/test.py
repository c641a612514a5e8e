"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--eval mIoU]``.

CHECKPOINT may be ``none`` for models without trained weights (the stage-1 reconstruction
configs in ``configs/gss/*/reconstruction_*.py``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import Config  # noqa: E402

import gss  # noqa: E402,F401  (compatibility patches and registries first)
from gss.checkpoints import load_weights  # noqa: E402
from gss.engine import (SUPPORTED_EVAL_METRICS, ConfigOptionsAction,  # noqa: E402
                        add_launcher_arguments, build_runner, check_eval_metrics, prepare_config,
                        run_tool, set_eval_metrics)
from gss.errors import InputError  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a segmentor.')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file, or "none" for models without '
                        'trained weights (stage-1 reconstruction)')
    parser.add_argument('--work-dir', help='where the evaluation log goes')
    parser.add_argument('--out', help='folder to write the predicted label maps (PNG) to')
    parser.add_argument('--show-dir', help='folder to write painted predictions to')
    parser.add_argument('--anomaly-dir', help='GMMSeg: write every image\'s per-pixel anomaly '
                        'score, -max_c log p(x | c), to DIR/<image>.npy (docs/models.md)')
    parser.add_argument('--eval', nargs='+', metavar='METRIC',
                        help=f'metrics to report: {", ".join(SUPPORTED_EVAL_METRICS)} '
                             '(default: the config\'s)')
    parser.add_argument('--data-root', help='replace the data root of every dataset')
    parser.add_argument('--aug-test', action='store_true',
                        help='multi-scale + flip testing: the config\'s tta_pipeline (the dataset '
                             'bases: x0.5-1.75 and horizontal flips), views merged by '
                             'GSSTTAModel')
    parser.add_argument('--partial-load', action='store_true',
                        help='load the checkpoint\'s weights that fit the model and leave the '
                             'rest as initialised (by default a checkpoint that does not fit the '
                             'config is refused)')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction,
                        help='override config values, e.g. test_dataloader.batch_size=2')
    add_launcher_arguments(parser)
    return parser.parse_args()


# Testing never trains or validates: these are dropped, so test-only configs (stage-1
# reconstruction) need no optimiser, mmengine's all-or-none checks pass, and a data root that
# holds only the evaluated split is enough.
NOT_FOR_TESTING = ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler',
                   'val_dataloader', 'val_cfg', 'val_evaluator')


def use_test_time_augmentation(cfg: Config, args: argparse.Namespace) -> None:
    """Test every image at the scales and flips of ``cfg.tta_pipeline`` (``--aug-test``)."""
    if args.anomaly_dir:
        raise InputError('--aug-test and --anomaly-dir do not combine: the anomaly score is '
                         'written per view; run them separately')
    if cfg.model.get('type') == 'MaskigeReconstructor':
        raise InputError(f'{args.config}: --aug-test needs an image network; a stage-1 '
                         f'reconstruction config reconstructs the ground truth itself')
    if not cfg.get('tta_pipeline') or not cfg.get('tta_model'):
        raise InputError(f'{args.config}: --aug-test needs tta_pipeline and tta_model in the '
                         f'config (configs/_base_/datasets/* and default_runtime.py define them)')
    dataset = cfg.test_dataloader.dataset
    for part in dataset.get('datasets', [dataset]):  # MSeg: one dataset per test set
        part.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model


def write_predictions(cfg: Config, out_dir: str) -> None:
    """Have the evaluator(s) that score label maps (IoUMetric, MSegMetric, not the boundary
    and calibration ones) also write them to ``out_dir`` (``--out``)."""
    evaluators = cfg.test_evaluator
    evaluators = evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]
    writers = [e for e in evaluators
               if e.get('type') not in ('BoundaryIoUMetric', 'CalibrationMetric')]
    if not writers:
        raise InputError('--out: the predicted label maps are written by IoUMetric; add mIoU '
                         'to --eval')
    for evaluator in writers:
        evaluator['output_dir'] = out_dir
        evaluator['keep_results'] = True


def test(args: argparse.Namespace) -> None:
    no_checkpoint = args.checkpoint.lower() == 'none'
    if not no_checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'{args.checkpoint}: checkpoint not found (pass "none" only for '
                                'models without trained weights)')
    check_eval_metrics(args.eval or [])
    cfg = prepare_config(args.config, args.work_dir, args.cfg_options, args.launcher,
                         args.data_root, data_keys=('test_dataloader',),
                         local_rank=args.local_rank)
    if args.eval:
        set_eval_metrics(cfg, args.eval)
    # The checkpoint is loaded below, strictly, not by mmengine (which loads whatever fits).
    cfg.load_from = None
    for key in NOT_FOR_TESTING:
        cfg[key] = None
    if args.show_dir:
        hook = cfg.default_hooks.get('visualization')
        if hook is None:
            raise InputError('--show-dir needs a SegVisualizationHook in '
                             'default_hooks.visualization')
        hook['draw'] = True
        cfg.visualizer['save_dir'] = args.show_dir
    if args.anomaly_dir:
        if cfg.model.get('type') != 'OpenSetEncoderDecoder':
            raise InputError(f'--anomaly-dir needs a GMMSeg config (model.type '
                             f'OpenSetEncoderDecoder), not model.type {cfg.model.get("type")}')
        cfg.model.setdefault('test_cfg', {})['open_set'] = True
        cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [
            dict(type='AnomalyScoreWriterHook', out_dir=args.anomaly_dir)]
    if args.aug_test:
        use_test_time_augmentation(cfg, args)
    if args.out:
        write_predictions(cfg, args.out)
    runner = build_runner(cfg)
    if not no_checkpoint:
        checkpoint = load_weights(runner.model, args.checkpoint, partial=args.partial_load)
        runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    runner.test()


def main() -> None:
    run_tool(__file__, test, parse_args())


if __name__ == '__main__':
    main()
