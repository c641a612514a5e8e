"""Which class gets which palette colour: a data-aware step after posterior learning.

A VQ-VAE decodes the boundary between two classes as a blend of their colours. With a
maximin palette many blends land on a third class's colour (for 11 classes the colours are
the RGB cube's corners and face centres, and each face centre is the midpoint of two corners),
so nearest-colour X^-1 paints a thin line of that third class along the boundary: a few
pixels for the two neighbours, but false positives that can dominate the IoU of a rare class.
CamVid's maximin palette (``camvid_11.json``) puts pedestrian at the midpoint of sky and tree,
whose boundary runs through every tree crown.

The colours stay as posterior learning chose them; only their order changes. The expected
damage of an assignment is summed over the class pairs that touch in real label maps: how
often they touch, times the share of their blends that decode as a third class, times what
that costs in IoU (false positives weigh by the third class's inverse area, the lost pixels
by the neighbours'). A local search over swaps minimises it.

Thin classes (CamVid's pole, 1-3 pixels wide) lose on another count: their IoU rests on the
VQ-VAE drawing a line through its 8x bottleneck, which is easier the more their colour stands
out from their neighbours'. An order that minimises blend damage can move such a class close to
them (pole lands next to building's colour), so ``keep_contrast`` names classes that
keep, within ``contrast_tolerance``, the contrast that the given order gives them (docs/vqvae.md).
"""
from __future__ import annotations

import itertools
from typing import Iterable, Optional, Sequence, Tuple

import numpy as np

BLEND_STEPS = np.linspace(0.2, 0.8, 7)  # where boundary pixels fall between two colours


def boundary_statistics(label_maps: Iterable[np.ndarray],
                        num_classes: int) -> Tuple[np.ndarray, np.ndarray]:
    """(K+1, K+1) counts of 4-neighbour pairs with different labels, and (K+1,) pixel counts,
    over ``label_maps``; index K collects ignore (every value outside [0, K))."""
    adjacency = np.zeros((num_classes + 1, num_classes + 1), np.int64)
    areas = np.zeros(num_classes + 1, np.int64)
    for label in label_maps:
        label = np.where(label < num_classes, label, num_classes).astype(np.int64)
        areas += np.bincount(label.ravel(), minlength=num_classes + 1)
        for a, b in ((label[:, :-1], label[:, 1:]), (label[:-1, :], label[1:, :])):
            edge = a != b
            pairs = np.bincount(a[edge] * (num_classes + 1) + b[edge],
                                minlength=(num_classes + 1) ** 2)
            adjacency += pairs.reshape(num_classes + 1, num_classes + 1)
    return adjacency + adjacency.T, areas


def blend_confusions(colours: np.ndarray) -> np.ndarray:
    """Rows (i, j, k, share): ``share`` of the blends of colours i < j (``BLEND_STEPS``) whose
    nearest *class* colour (all but the last, ignore) is k, another colour than i and j."""
    colours = np.asarray(colours, np.float64)
    classes = colours[:-1]
    rows = []
    for i, j in itertools.combinations(range(len(colours)), 2):
        blends = colours[i] + BLEND_STEPS[:, None] * (colours[j] - colours[i])
        nearest = ((blends[:, None] - classes[None]) ** 2).sum(-1).argmin(1)
        wrong = nearest[(nearest != i) & (nearest != j)]
        for k, count in zip(*np.unique(wrong, return_counts=True)):
            rows.append((i, j, k, count / len(BLEND_STEPS)))
    return np.array(rows, np.float64).reshape(-1, 4)


def assignment_cost(order: np.ndarray, confusions: np.ndarray, adjacency: np.ndarray,
                    areas: np.ndarray) -> float:
    """Expected IoU damage of giving class c the colour ``order[c]`` (the last index, ignore,
    keeps the last colour). Blend pixels on the ignore side of a boundary are not scored."""
    n = len(order)
    inverse_area = 1.0 / np.maximum(areas, 1)
    inverse_area[n - 1] = 0.0
    class_of = np.empty(n, np.int64)
    class_of[order] = np.arange(n)  # colour -> class
    i, j, k = (class_of[confusions[:, c].astype(np.int64)] for c in range(3))
    scored = np.where((i == n - 1) | (j == n - 1), 0.5, 1.0)
    damage = inverse_area[k] + (inverse_area[i] + inverse_area[j]) / 2
    return float((adjacency[i, j] * scored * confusions[:, 3] * damage).sum())


def neighbour_contrast(order: np.ndarray, colours: np.ndarray,
                       adjacency: np.ndarray) -> np.ndarray:
    """(K+1,) colour distance of each class to the classes it touches (ignore included),
    weighted by how often they touch, when class c gets the colour ``colours[order[c]]``."""
    colours = np.asarray(colours, np.float64)[order]
    distance = np.sqrt(((colours[:, None] - colours[None]) ** 2).sum(-1))
    adjacency = np.asarray(adjacency, np.float64)
    return (adjacency * distance).sum(1) / np.maximum(adjacency.sum(1), 1)


def assign_colours(colours: np.ndarray, adjacency: np.ndarray, areas: np.ndarray,
                   restarts: Optional[int] = None, seed: int = 0,
                   keep_contrast: Sequence[int] = (),
                   contrast_tolerance: float = 0.01) -> Tuple[np.ndarray, float, float]:
    """Reorder the K class colours of ``colours`` (K+1 rows, ignore last and fixed) to minimise
    :func:`assignment_cost`. Returns (the reordered colours, the cost before, the cost after).

    Swap-based local search from the given order and from ``restarts`` random ones (default:
    20 up to K = 32, else 1: one pass over all swaps is already slow at K = 150).
    The classes in ``keep_contrast`` keep at least ``1 - contrast_tolerance`` of their
    :func:`neighbour_contrast` in the given order (a constraint: the given order meets it)."""
    colours = np.asarray(colours)
    confusions = blend_confusions(colours)
    k = len(colours) - 1
    keep = np.asarray(keep_contrast, np.int64)
    if keep.size and (keep.min() < 0 or keep.max() >= k):
        raise ValueError(f'keep_contrast: class indices must be in [0, {k}), got '
                         f'{keep.tolist()}')
    if restarts is None:
        restarts = 20 if k <= 32 else 1
    identity = np.arange(k + 1)
    floor = (1 - contrast_tolerance) * neighbour_contrast(identity, colours, adjacency)[keep]

    def shortfall(order: np.ndarray) -> float:
        if not keep.size:
            return 0.0
        return float(np.maximum(floor - neighbour_contrast(order, colours, adjacency)[keep],
                                0).sum())

    def objective(order: np.ndarray) -> float:
        # a shortfall outweighs any blend damage, and leads the search from a random start
        # back to orders that meet the constraint
        return assignment_cost(order, confusions, adjacency, areas) + 1e3 * shortfall(order)

    before = assignment_cost(identity, confusions, adjacency, areas)
    rng = np.random.default_rng(seed)
    best, best_cost = identity, before
    for start in range(restarts + 1):
        order = identity.copy()
        if start:
            order[:k] = rng.permutation(k)
        cost = objective(order)
        improved = True
        while improved:
            improved = False
            for a, b in itertools.combinations(range(k), 2):
                order[[a, b]] = order[[b, a]]
                new = objective(order)
                if new < cost - 1e-12:
                    cost, improved = new, True
                else:
                    order[[a, b]] = order[[b, a]]
        if cost < best_cost - 1e-12 and shortfall(order) == 0:
            best, best_cost = order.copy(), cost
    return colours[best], before, assignment_cost(best, confusions, adjacency, areas)
