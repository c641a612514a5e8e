"""The maskige: X (mask -> RGB image through a palette) and X^-1 (RGB -> classes, nearest colour).

GSS (CVPR 2023, Sec. 3) turns a K-class mask into a three-channel "maskige" so that a VQ-VAE
trained on images can tokenise it. X is training-free: class k is painted with palette colour
k. X^-1 in GSS-FF is training-free too: each pixel takes the class whose colour is nearest in
squared RGB distance. The palette has K + 1 colours; the last one paints ignore pixels and is
never predicted.
"""
from __future__ import annotations

import json
import os.path as osp
from typing import Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from gss.errors import InputError
from gss.tensor_ops import argmax_over_classes

PaletteLike = Union[str, Sequence[Sequence[int]], Tensor]

# Rows of the image handled at once by the nearest-colour search: bounds the (B, K, rows, W)
# score block to a few hundred MB even at K=150, 2048 px wide.
_ROWS_PER_CHUNK = 64


def _check_palette_rows(palette, source: str) -> None:
    """A list of K + 1 rows of three numbers, or an InputError naming the first bad row."""
    if isinstance(palette, (str, bytes, dict)) or not isinstance(palette, Sequence):
        raise InputError(f'{source}: expected a list of [r, g, b] colours, got '
                         f'{type(palette).__name__}')
    for i, row in enumerate(palette):
        if (isinstance(row, (str, bytes, dict)) or not isinstance(row, Sequence)
                or len(row) != 3 or not all(isinstance(v, (int, float)) and
                                            not isinstance(v, bool) for v in row)):
            raise InputError(f'{source}: colour {i} is {row!r}, not [r, g, b] (three numbers '
                             f'in 0-255)')


def load_palette(palette: PaletteLike, num_classes: int | None = None) -> Tensor:
    """Read and validate a palette.

    Args:
        palette: K + 1 RGB colours (0-255), the last for ignore: an inline list, a (K+1, 3)
            tensor, or the path of a JSON file holding such a list (as written by
            ``tools/posterior_learning.py``).
        num_classes: K, if known; the palette must then have exactly K + 1 colours.

    Returns:
        (K + 1, 3) float tensor of integer values in [0, 255].

    Raises:
        InputError (a ValueError): naming what is wrong (length, shape, range, duplicates).
        FileNotFoundError: for a path that does not exist.
    """
    source = 'palette'
    if isinstance(palette, str):
        if not osp.isfile(palette):
            raise FileNotFoundError(f'{palette}: palette file not found; write one with '
                                    f'tools/posterior_learning.py --num_classes K --out FILE')
        source = f'palette file {palette}'
        with open(palette) as f:
            try:
                palette = json.load(f)
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise InputError(f'{source}: not valid JSON ({err}); it must hold a list of '
                                 f'[r, g, b] colours, as tools/posterior_learning.py --out '
                                 f'writes') from None
    if not isinstance(palette, Tensor):
        _check_palette_rows(palette, source)
    colours = torch.as_tensor(palette, dtype=torch.float64)
    if colours.dim() != 2 or colours.size(1) != 3:
        raise InputError(f'{source}: expected a list of [r, g, b] colours, got shape '
                         f'{tuple(colours.shape)}')
    if num_classes is not None and colours.size(0) != num_classes + 1:
        raise InputError(f'{source}: has {colours.size(0)} colours but num_classes={num_classes} '
                         f'needs {num_classes + 1} (one per class, then the ignore colour last)')
    if colours.size(0) < 2:
        raise InputError(f'{source}: needs at least one class colour and the ignore colour')
    bad = ((colours < 0) | (colours > 255) | (colours != colours.round())).any(1)
    if bad.any():
        i = int(bad.nonzero()[0])
        raise InputError(f'{source}: colour {i} = {colours[i].tolist()} is not three integers '
                         f'in 0-255')
    same = (colours[:, None, :] == colours[None, :, :]).all(-1)
    same.fill_diagonal_(False)
    if same.any():
        i, j = (int(v) for v in same.nonzero()[0])
        raise InputError(f'{source}: colours {i} and {j} are identical '
                         f'({colours[i].int().tolist()}); every class and the ignore colour '
                         f'need distinct colours')
    return colours.float()


class Maskige:
    """X and X^-1 for one palette.

    Args:
        palette: see :func:`load_palette`.
        num_classes: K; checked against the palette if given.
    """

    def __init__(self, palette: PaletteLike, num_classes: int | None = None) -> None:
        colours = load_palette(palette, num_classes)
        self.num_classes = colours.size(0) - 1
        self.palette = colours / 255.0  # (K + 1, 3) in [0, 1]

    @property
    def class_colours(self) -> Tensor:
        """(K, 3) colours in [0, 1] of the classes (ignore colour excluded)."""
        return self.palette[:-1]

    def to_maskige(self, mask: Tensor) -> Tensor:
        """X: (B, H, W) integer labels -> (B, 3, H, W) float maskige in [0, 1].

        Labels outside [0, K) (255 and any other ignore value) take the ignore colour.
        """
        palette = self.palette.to(mask.device)
        index = mask.long()
        index = torch.where((index >= 0) & (index < self.num_classes), index,
                            torch.full_like(index, self.num_classes))
        return palette[index].permute(0, 3, 1, 2).contiguous()

    def _affinity(self, maskige_rows: Tensor) -> Tensor:
        """2 x.p - ||p||^2 for a block of rows: (B, K, h, W). Larger is nearer.

        ||x - p||^2 = ||x||^2 - 2 x.p + ||p||^2, and ||x||^2 is the same for every class, so
        the nearest colour maximises 2 x.p - ||p||^2: one 1x1 convolution with weights 2p and
        bias -||p||^2, whose output is the only (B, K, h, W) tensor made.
        """
        colours = self.class_colours.to(maskige_rows)
        return F.conv2d(maskige_rows, (2 * colours)[:, :, None, None], -colours.pow(2).sum(1))

    def scores(self, maskige: Tensor) -> Tensor:
        """Soft X^-1: (B, 3, H, W) maskige -> (B, K, H, W) negative squared colour distances."""
        squared_norm = maskige.pow(2).sum(1, keepdim=True)
        return torch.cat([self._affinity(rows) - squared_norm[:, :, i:i + _ROWS_PER_CHUNK]
                          for i, rows in zip(range(0, maskige.size(2), _ROWS_PER_CHUNK),
                                             maskige.split(_ROWS_PER_CHUNK, dim=2))], dim=2)

    def colour_distance(self, maskige: Tensor) -> Tensor:
        """(B, 3, H, W) maskige -> (B, 1, H, W) RGB distance (0-1 per channel) of each pixel
        to its nearest class colour: how far a decoded colour is from any class X can paint."""
        return self.scores(maskige).max(1, keepdim=True).values.neg().clamp(min=0).sqrt()

    def to_mask(self, maskige: Tensor) -> Tensor:
        """X^-1 (GSS-FF): (B, 3, H, W) maskige -> (B, H, W) long, the nearest class colour.

        Computed a block of rows at a time, so memory stays at (B, K, 64, W) whatever H is.
        """
        return torch.cat([argmax_over_classes(self._affinity(rows))
                          for rows in maskige.split(_ROWS_PER_CHUNK, dim=2)], dim=1)


def nearest_colour_brute_force(maskige: Tensor, class_colours: Tensor) -> Tensor:
    """The definition of X^-1, by broadcasting: builds a (B, K, 3, H, W) tensor.

    Kept as the reference that tests and ``tools/benchmarks/x_inverse.py`` compare against.
    """
    diff = maskige[:, None] - class_colours.to(maskige)[None, :, :, None, None]
    return diff.pow(2).sum(2).argmin(1)
