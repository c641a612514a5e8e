"""Posterior learning of X: choosing palette colours as far apart as possible.

GSS's "maximal distance assumption": the further apart the class colours, the more VQ-VAE
reconstruction error X^-1 tolerates. The original code draws a jittered grid (unseeded, ADE20K
and MSeg only). Here the palette maximises the minimum pairwise distance directly, for any K,
deterministically:

1. greedy farthest-point sampling over a 5-unit RGB lattice, started from the ignore colour so
   that every class colour is also far from it; run twice, once from the lattice point farthest
   from the ignore colour and once taking the RGB cube's corners first (for small K the corners
   are the optimum, which plain farthest-point sampling misses);
2. a maximin refinement of each start: repeatedly move the colours of the closest pair apart
   along the line joining them, on the lattice, while the minimum distance grows.
"""
from __future__ import annotations

import itertools
import math
from typing import Dict, List, Sequence, Tuple

import numpy as np

LATTICE_STEP = 5
DEFAULT_IGNORE_COLOUR = (0, 0, 0)


def pairwise_distances(colours: np.ndarray) -> np.ndarray:
    """(N, 3) colours -> (N, N) Euclidean distances."""
    c = np.asarray(colours, np.float64)
    return np.sqrt(((c[:, None, :] - c[None, :, :]) ** 2).sum(-1))


def palette_stats(class_colours: np.ndarray) -> Dict[str, float]:
    """Minimum and mean pairwise distance of the class colours (ignore colour excluded)."""
    d = pairwise_distances(class_colours)
    upper = d[np.triu_indices(len(class_colours), 1)]
    return {'min': float(upper.min()), 'mean': float(upper.mean())}


def _lattice() -> np.ndarray:
    axis = np.arange(0, 256, LATTICE_STEP)
    axis[-1] = 255
    return np.stack(np.meshgrid(axis, axis, axis, indexing='ij'), -1).reshape(-1, 3)


def _farthest_points(candidates: np.ndarray, fixed: np.ndarray, k: int,
                     first: int) -> np.ndarray:
    chosen = []
    nearest = np.sqrt(((candidates[:, None, :] - fixed[None]) ** 2).sum(-1)).min(1)
    index = first
    for _ in range(k):
        chosen.append(index)
        nearest = np.minimum(nearest, np.sqrt(((candidates - candidates[index]) ** 2).sum(1)))
        index = int(nearest.argmax())  # argmax: the lowest index among ties, deterministic
    return candidates[chosen].astype(np.float64)


def _min_distance(colours: np.ndarray, ignore: np.ndarray) -> float:
    d = pairwise_distances(np.vstack([colours, ignore]))
    np.fill_diagonal(d, np.inf)
    return float(d.min())


def _refine(colours: np.ndarray, ignore: np.ndarray, rounds: int) -> np.ndarray:
    """Push apart the closest pair (ignore colour fixed) while the minimum distance grows."""
    current = np.vstack([colours, ignore])
    d = pairwise_distances(current)
    np.fill_diagonal(d, np.inf)
    best, best_min = colours.copy(), float(d.min())
    movable = len(colours)  # the last row, the ignore colour, never moves
    for _ in range(rounds):
        i, j = np.unravel_index(int(d.argmin()), d.shape)
        step = current[i] - current[j]
        step = step / max(np.linalg.norm(step), 1e-9) * LATTICE_STEP
        for index, sign in ((i, 1.0), (j, -1.0)):
            if index < movable:
                current[index] = np.clip(np.round(current[index] + sign * step), 0, 255)
                row = np.sqrt(((current - current[index]) ** 2).sum(1))
                row[index] = np.inf
                d[index], d[:, index] = row, row
        current_min = float(d.min())
        if current_min > best_min:
            best, best_min = current[:movable].copy(), current_min
    return best


def maximal_distance_palette(num_classes: int, seed: int = 0,
                             ignore_colour: Sequence[int] = DEFAULT_IGNORE_COLOUR,
                             refine_rounds: int = 400) -> np.ndarray:
    """A palette of ``num_classes`` class colours far apart from each other and from ignore.

    Args:
        num_classes: K, 2 to 1000.
        seed: picks the first class colour among the lattice points farthest from the ignore
            colour (different seeds give different, equally spread palettes).
        ignore_colour: the colour of ignore pixels, appended last.
        refine_rounds: steps of the maximin refinement.

    Returns:
        (K + 1, 3) int array: K class colours, then the ignore colour.
    """
    if not 2 <= num_classes <= 1000:
        raise ValueError(f'num_classes must be between 2 and 1000, got {num_classes}')
    ignore = np.asarray(ignore_colour, np.float64).reshape(1, 3)
    if ((ignore < 0) | (ignore > 255)).any():
        raise ValueError(f'ignore colour {list(ignore_colour)} is outside 0-255')
    candidates = _lattice()
    distance_to_ignore = np.sqrt(((candidates - ignore) ** 2).sum(1))
    farthest = np.flatnonzero(distance_to_ignore >= distance_to_ignore.max() - 1e-9)
    first = int(farthest[seed % len(farthest)])
    starts = [_farthest_points(candidates, ignore, num_classes, first),
              _corners_first(candidates, ignore, num_classes)]
    refined = [_refine(colours, ignore, refine_rounds) for colours in starts]
    colours = max(refined, key=lambda c: _min_distance(c, ignore))  # first wins ties
    return np.vstack([colours, ignore]).astype(np.int64)


def _corners_first(candidates: np.ndarray, ignore: np.ndarray, k: int) -> np.ndarray:
    """The cube corners farthest from the ignore colour (at most k), then farthest points."""
    corners = np.array(list(itertools.product((0, 255), repeat=3)), np.float64)
    to_ignore = np.sqrt(((corners - ignore) ** 2).sum(1))
    corners = corners[np.argsort(-to_ignore, kind='stable')][:min(k, 7)]
    if len(corners) == k:
        return corners
    rest = _farthest_points(candidates, np.vstack([ignore, corners]), k - len(corners),
                            first=_farthest_from(candidates, np.vstack([ignore, corners])))
    return np.vstack([corners, rest])


def _farthest_from(candidates: np.ndarray, fixed: np.ndarray) -> int:
    return int(np.sqrt(((candidates[:, None, :] - fixed[None]) ** 2).sum(-1)).min(1).argmax())


def _jittered_grid(num_classes: int) -> Tuple[List[np.ndarray], Tuple[int, int], int]:
    """The original generator's grid and jitter range for K classes (ADE20K, MSeg, or a
    same-style grid with enough points for other K)."""
    if num_classes == 150:  # ADE20K: 5 x 6 x 5 points, jitter in [-15, 15]
        return ([np.arange(15, 240, 51), np.arange(16, 239, 40), np.arange(17, 238, 45)],
                (-15, 15), 0)
    if num_classes == 194:  # MSeg: 5 x 5 x 8 points, jitter in [-15, 0], first 6 dropped
        return ([np.arange(15, 255, 55), np.arange(16, 255, 51), np.arange(17, 255, 33)],
                (-15, 0), 6)
    n = math.ceil(num_classes ** (1 / 3))
    return [np.linspace(15, 240, n).round().astype(int)] * 3, (-15, 15), 0


def original_jittered_grid_palette(num_classes: int, seed: int) -> np.ndarray:
    """The original GSS generator (jittered grid), made seedable for comparison: (K, 3)."""
    axes, (low, high), skip = _jittered_grid(num_classes)
    grid = np.array(list(itertools.product(*axes)))[skip:skip + num_classes]
    rng = np.random.default_rng(seed)
    return np.clip(grid + rng.integers(low, high + 1, size=grid.shape), 0, 255)


def original_method_stats(num_classes: int, seeds: int = 101) -> Dict[str, float]:
    """Median over ``seeds`` runs of the original's minimum and mean pairwise distance."""
    stats = [palette_stats(original_jittered_grid_palette(num_classes, s)) for s in range(seeds)]
    return {key: float(np.median([s[key] for s in stats])) for key in ('min', 'mean')}
