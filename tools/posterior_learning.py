"""Posterior learning of X: a maximal-distance palette for K classes.

    python tools/posterior_learning.py --num_classes 150 [--seed S] [--out palette.json]

Prints the palette (K class colours, then the ignore colour) and its minimum / mean pairwise
distance next to the original GSS generator's (jittered grid, median over seeds). With
``--assign-from LABELS`` (a folder of label maps or a glob pattern) it then reorders which class
gets which colour, so that blends of classes that touch in those maps do not decode as a third
class (``gss/maskige/assignment.py``); ``--keep-contrast C [C ...]`` names thin classes (class
indices) that keep their colour contrast to their neighbours while it does. With
``--vqvae CKPT_OR_CONFIG --data CONFIG --refine N`` it then re-colours, N times, the class that
the VQ-VAE reconstructs worst and keeps a change only if mIoU improves.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402

from gss.maskige.posterior_learning import (  # noqa: E402
    DEFAULT_IGNORE_COLOUR, maximal_distance_palette, original_method_stats, palette_stats)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Maximal-distance palette for X (GSS).')
    parser.add_argument('--num_classes', '--num-classes', type=int, required=True,
                        help='K, 2 to 1000')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--ignore-colour', type=int, nargs=3, default=DEFAULT_IGNORE_COLOUR,
                        metavar=('R', 'G', 'B'), help='colour of ignore pixels (last entry)')
    parser.add_argument('--out', help='write the palette to this JSON file')
    parser.add_argument('--baseline-seeds', type=int, default=101,
                        help='runs of the original generator to take the median over')
    parser.add_argument('--assign-from', metavar='LABELS',
                        help='label maps (a folder of *.png or a glob pattern) whose class '
                             'boundaries decide which class gets which colour')
    parser.add_argument('--keep-contrast', type=int, nargs='+', default=[], metavar='CLASS',
                        help='with --assign-from: classes (indices) that keep, within 1 %%, the '
                             'colour contrast to their neighbours that the maximin order gives '
                             'them (thin classes such as CamVid\'s pole, 2)')
    parser.add_argument('--vqvae', help='MaskigeVQVAE checkpoint or VQ-VAE config, for --refine')
    parser.add_argument('--data', help='dataset config whose val label maps --refine uses')
    parser.add_argument('--refine', type=int, default=0, help='re-colouring rounds')
    parser.add_argument('--refine-images', type=int, default=30,
                        help='val label maps used per refinement evaluation')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.keep_contrast and not args.assign_from:
        sys.exit('posterior_learning: --keep-contrast needs --assign-from')
    try:
        palette = maximal_distance_palette(args.num_classes, args.seed, args.ignore_colour)
    except ValueError as err:
        sys.exit(f'posterior_learning: {err}')
    ours = palette_stats(palette[:-1])
    to_ignore = float(np.sqrt(((palette[:-1] - palette[-1]) ** 2).sum(1)).min())
    original = original_method_stats(args.num_classes, args.baseline_seeds)
    if args.assign_from:
        palette = assign_from_label_maps(palette, args.assign_from, args.keep_contrast)
    if args.refine:
        from gss.maskige.refinement import refine_palette_with_vqvae
        if not (args.vqvae and args.data):
            sys.exit('posterior_learning: --refine needs --vqvae and --data')
        try:
            palette, _ = refine_palette_with_vqvae(palette, args.vqvae, args.data, args.refine,
                                                   args.refine_images)
        except (FileNotFoundError, ValueError) as err:
            sys.exit(f'posterior_learning: {err}')
        ours = palette_stats(palette[:-1])
    print(json.dumps(palette.tolist()))
    print(f'K={args.num_classes}  min distance {ours["min"]:.1f}  mean {ours["mean"]:.1f}  '
          f'(nearest to the ignore colour: {to_ignore:.1f})')
    print(f'original jittered grid, median of {args.baseline_seeds} seeds: min distance '
          f'{original["min"]:.1f}  mean {original["mean"]:.1f}  -> min distance x'
          f'{ours["min"] / max(original["min"], 1e-9):.2f}')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(palette.tolist(), f)
        print(f'wrote {args.out}')


def assign_from_label_maps(palette: np.ndarray, labels: str,
                           keep_contrast: Sequence[int] = ()) -> np.ndarray:
    """Reorder the class colours by the class boundaries of ``labels`` (the classes in
    ``keep_contrast`` keep their contrast to their neighbours); print the change."""
    from gss.maskige.vqvae.trainer import read_label_maps
    from gss.maskige.assignment import assign_colours, boundary_statistics, neighbour_contrast
    try:
        maps = read_label_maps(labels)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'posterior_learning: --assign-from: {err}')
    adjacency, areas = boundary_statistics(maps, len(palette) - 1)
    try:
        reordered, before, after = assign_colours(palette, adjacency, areas,
                                                  keep_contrast=keep_contrast)
    except ValueError as err:  # a class index outside [0, K)
        sys.exit(f'posterior_learning: --keep-contrast: {err}')
    print(f'class-to-colour assignment from {len(maps)} label maps: '
          f'expected blend damage {before:.3f} -> {after:.3f} ({before / max(after, 1e-12):.1f}x '
          f'less)')
    order = np.arange(len(palette))
    contrast_before = neighbour_contrast(order, palette, adjacency)
    contrast_after = neighbour_contrast(order, reordered, adjacency)
    for c in keep_contrast:
        print(f'class {c}: colour contrast to its neighbours {contrast_before[c]:.0f} -> '
              f'{contrast_after[c]:.0f}')
    return reordered


if __name__ == '__main__':
    main()
