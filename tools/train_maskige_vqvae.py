"""Train the project's maskige VQ-VAE.

    python tools/train_maskige_vqvae.py --out checkpoints/maskige_vqvae.pth \
        --source LABEL_DIR PALETTE.json [WEIGHT] ...   # real label maps, painted with PALETTE
                                                        # (LABEL_DIR: a folder or a glob pattern)
        --procedural PALETTE.json [WEIGHT] ...          # generated layouts, painted with PALETTE
        --eval NAME LABEL_DIR PALETTE.json ...          # stage-1 mIoU reported at the end

Label values outside [0, K) (for example 255, or CamVid's void 11) are ignore. The checkpoint
is a plain dict (weights, architecture, the command, the evaluation) that loads with
``weights_only=True``; a JSON log is written beside it.
"""
import argparse
import itertools
import json
import os.path as osp
import sys
import time
from functools import partial

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import cv2  # noqa: E402
import torch  # noqa: E402

from gss.checkpoints import save_atomically  # noqa: E402
from gss.maskige.palette import Maskige  # noqa: E402
from gss.maskige.vqvae.maskige_vqvae import DEFAULT_ARCH, MaskigeVQVAE  # noqa: E402
from gss.maskige.vqvae.trainer import (  # noqa: E402
    MaskSource, evaluate_on_label_maps, label_map_paths, read_label_maps, train_maskige_vqvae)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train the maskige VQ-VAE (FSQ codes, 8x downsampling).')
    parser.add_argument('--out', required=True, help='checkpoint to write (.pth)')
    parser.add_argument('--source', nargs='+', action='append', default=[],
                        metavar='ARG', help='LABEL_DIR PALETTE.json [WEIGHT]')
    parser.add_argument('--procedural', nargs='+', action='append', default=[],
                        metavar='ARG', help='PALETTE.json [WEIGHT]')
    parser.add_argument('--eval', nargs=3, action='append', default=[],
                        metavar=('NAME', 'LABEL_DIR', 'PALETTE'))
    parser.add_argument('--scale-range', type=float, nargs=2, default=[0.5, 1.5],
                        metavar=('LOW', 'HIGH'),
                        help='real label maps are resized by a log-uniform factor in this range '
                             '(nearest neighbour) before cropping')
    parser.add_argument('--rotation', type=float, default=0.0, metavar='DEG',
                        help='rotate real label maps by up to DEG degrees either way')
    parser.add_argument('--mix-prob', type=float, default=0.0, metavar='P',
                        help='with probability P paste a rectangle of another label map\'s '
                             'crop into a crop of a real map')
    parser.add_argument('--eval-scales', type=float, nargs='+', default=[1.0], metavar='S',
                        help='evaluate every --eval set with its label maps resized by each '
                             'factor S (nearest; 0.5: what a model trained at half resolution '
                             'tokenises)')
    parser.add_argument('--procedural-objects', type=int, default=0, metavar='N',
                        help='add 1 to N object shapes (upright ellipses, boxes, polygons) to '
                             'each procedural layout; 0: regions, lines and discs only')
    parser.add_argument('--steps', type=int, default=2000)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--crop', type=int, default=64, help='label crop side (before 2x)')
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--ce-weight', type=float, default=1.0)
    parser.add_argument('--temperature', type=float, default=0.05)
    parser.add_argument('--hidden-channels', type=int, default=DEFAULT_ARCH['hidden_channels'])
    parser.add_argument('--num-blocks', type=int, default=DEFAULT_ARCH['num_blocks'])
    parser.add_argument('--fsq-levels', type=int, nargs='+', default=DEFAULT_ARCH['fsq_levels'],
                        help='values per latent channel; the vocabulary is their product '
                             '(default 8 8 5 5 5 = 8000; 8 5 5 5 = 1000 makes the GSS token '
                             'classifier 8x cheaper)')
    parser.add_argument('--checkpoint-every', type=int, default=500,
                        help='evaluate (first --eval set) and save every N steps; 0: only at '
                             'the end')
    parser.add_argument('--eval-images', type=int, default=30,
                        help='label maps of the first --eval set used for the periodic check')
    parser.add_argument('--init-from', help='start from this MaskigeVQVAE checkpoint (its '
                        'architecture) instead of random weights, e.g. to train longer')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing --out (refused otherwise)')
    return parser.parse_args()


def _weight(values: list, index: int, option: str) -> float:
    if len(values) <= index:
        return 1.0
    try:
        return float(values[index])
    except ValueError:
        sys.exit(f'{option}: weight must be a number, got {values[index]!r}')


def build_sources(args: argparse.Namespace):
    # Option values first: reading the label maps can take a while.
    low, high = args.scale_range
    if not 0 < low <= high:
        sys.exit(f'--scale-range: need 0 < LOW <= HIGH, got {low} {high}')
    if not 0 <= args.rotation <= 180:
        sys.exit(f'--rotation: need 0 <= DEG <= 180, got {args.rotation}')
    if not 0 <= args.mix_prob <= 1:
        sys.exit(f'--mix-prob: need 0 <= P <= 1, got {args.mix_prob}')
    if any(scale <= 0 for scale in args.eval_scales):
        sys.exit(f'--eval-scales: need factors > 0, got {args.eval_scales}')
    if args.procedural_objects < 0:
        sys.exit(f'--procedural-objects: need N >= 0, got {args.procedural_objects}')
    sources, weights = [], []
    for values in args.source:
        if len(values) not in (2, 3):
            sys.exit('--source takes LABEL_DIR PALETTE.json [WEIGHT]')
        sources.append(MaskSource(Maskige(values[1]), read_label_maps(values[0]),
                                  scale_range=tuple(args.scale_range),
                                  max_rotation=args.rotation, mix_prob=args.mix_prob))
        weights.append(_weight(values, 2, '--source'))
    for values in args.procedural:
        if len(values) not in (1, 2):
            sys.exit('--procedural takes PALETTE.json [WEIGHT]')
        sources.append(MaskSource(Maskige(values[0]), max_objects=args.procedural_objects))
        weights.append(_weight(values, 1, '--procedural'))
    if not sources:
        sys.exit('give at least one --source or --procedural')
    return sources, weights


def main() -> None:
    args = parse_args()
    if osp.exists(args.out) and not args.overwrite:
        sys.exit(f'{args.out} exists; pass --overwrite to replace it')
    try:
        sources, weights = build_sources(args)
        # The --eval sets are used after training (and at every check): refuse a bad palette
        # or folder now, before any training time is spent.
        eval_palettes = {name: Maskige(palette) for name, _, palette in args.eval}
        for name, labels, _ in args.eval:
            if not label_map_paths(labels):
                raise FileNotFoundError(f'{labels}: --eval {name}: no label maps there (a '
                                        'folder of *.png or a glob pattern)')
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'train_maskige_vqvae: {err}')
    try:
        model = MaskigeVQVAE(checkpoint=args.init_from, frozen=False) if args.init_from else \
            MaskigeVQVAE(hidden_channels=args.hidden_channels, num_blocks=args.num_blocks,
                         fsq_levels=args.fsq_levels, frozen=False)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'train_maskige_vqvae: {err}')
    params_m = sum(p.numel() for p in model.parameters()) / 1e6
    print(f'MaskigeVQVAE: {params_m:.2f} M parameters, {model.vocab_size} codes, '
          f'{len(sources)} sources', flush=True)
    command = ' '.join(['python'] + sys.argv)
    start = time.time()
    checks = []

    def periodic_check(step: int) -> str:
        line = f'step {step}: saved {args.out}'
        if args.eval:
            name, labels, _ = args.eval[0]
            result = evaluate_on_label_maps(model, eval_palettes[name], labels,
                                            limit=args.eval_images)
            checks.append(dict(step=step, name=name, miou=result['miou']))
            line = (f'step {step}: stage-1 mIoU on {args.eval_images} label maps of {name}: '
                    f'{result["miou"]:.2f}; saved {args.out}')
        save(model, args.out, dict(command=command, step=step, checks=checks,
                                   torch_version=str(torch.__version__)))
        return line

    history = train_maskige_vqvae(
        model, sources, weights, args.steps, args.batch_size, args.crop, lr=args.lr,
        temperature=args.temperature, ce_weight=args.ce_weight, seed=args.seed,
        log=lambda line: print(line, flush=True), checkpoint_every=args.checkpoint_every,
        on_checkpoint=periodic_check)
    train_s = time.time() - start
    model.round_weights_to_fp16()
    evaluation = final_evaluation(model, args, eval_palettes)
    meta = dict(command=command, step=args.steps, train_seconds=train_s,
                parameters_m=params_m, evaluation=evaluation, history=history, checks=checks,
                torch_version=str(torch.__version__))
    save(model, args.out, meta)
    with open(osp.splitext(args.out)[0] + '.log.json', 'w') as f:
        json.dump(meta, f, indent=1)
    print(f'wrote {args.out} ({osp.getsize(args.out) / 1e6:.1f} MB) after {train_s / 60:.1f} min')


def final_evaluation(model: MaskigeVQVAE, args: argparse.Namespace,
                     palettes: dict) -> dict:
    """Stage-1 reconstruction on every --eval set at every --eval-scales factor, printed and
    returned by name (``NAME@S`` for a factor S other than 1)."""
    evaluation = {}
    for (name, labels, _), scale in itertools.product(args.eval, args.eval_scales):
        resize = None if scale == 1 else partial(cv2.resize, dsize=None, fx=scale, fy=scale,
                                                 interpolation=cv2.INTER_NEAREST)
        result = evaluate_on_label_maps(model, palettes[name], labels, label_transform=resize)
        key = name if scale == 1 else f'{name}@{scale:g}'
        evaluation[key] = result
        per_class = ' '.join(f'{v:.1f}' for v in result['per_class_iou'])
        print(f'stage-1 reconstruction on {key} ({result["images"]} label maps): '
              f'mIoU {result["miou"]:.2f}; per class: {per_class}', flush=True)
    return evaluation


def save(model: MaskigeVQVAE, path: str, meta: dict) -> None:
    """Write atomically, so an interrupted run never leaves a truncated checkpoint."""
    save_atomically(model.checkpoint_dict(**meta), path)


if __name__ == '__main__':
    main()
