"""Deterministic generator of the built-in *toy scenes* dataset (no download needed).

Each image is a 128x128 scene of overlapping objects on a textured background. The classes
are built so that no single cue separates them, which makes it a real (small) learning problem:

- ``disc`` and ``box`` share the same warm colours and differ only by shape;
- ``striped`` and ``dotted`` share the same cool colours and differ only by texture;
- ``ring`` and ``pole`` are thin structures (the kind of class that is hard for generative
  segmentation, like Cityscapes' poles), ``pole`` also shares its hue range with ``box``;
- objects occlude one another, brightness varies per image, and pixel noise is added.

Ignore pixels (255) appear as thin bands on the boundaries of some objects (as annotators leave
unlabelled edges) and as occasional "void" blobs of random colour. Every image depends only on
``(seed, split, index)``, so the dataset is identical on every machine.
"""
from __future__ import annotations

import os.path as osp
from typing import Tuple

import cv2
import numpy as np

IGNORE_INDEX = 255
IMAGE_SIZE_PX = 128
CLASSES = ('background', 'disc', 'box', 'striped', 'dotted', 'ring', 'pole')
SPLIT_SIZES = {'train': 400, 'val': 100}
_SPLIT_IDS = {'train': 0, 'val': 1}

# Hue ranges (OpenCV HSV, 0-179) per object class; shared ranges are deliberate (see above).
_WARM_HUES = (0, 22)
_COOL_HUES = (95, 125)
_OBJECT_HUES = {1: _WARM_HUES, 2: _WARM_HUES, 3: _COOL_HUES, 4: _COOL_HUES, 5: (45, 75),
                6: (10, 30)}


def _hsv_colour(rng: np.random.Generator, hue_range: Tuple[int, int]) -> np.ndarray:
    hsv = np.array([[[rng.integers(*hue_range), rng.integers(120, 256), rng.integers(110, 256)]]],
                   dtype=np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """Low-frequency, desaturated texture: smooth noise around a grey-brown base colour."""
    base = rng.uniform(60, 170) + rng.uniform(-20, 20, size=3)
    coarse = rng.normal(0, 25, size=(4, 4, 3)).astype(np.float32)
    smooth = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
    return base[None, None, :] + smooth


def _texture(rng: np.random.Generator, label: int, size: int) -> np.ndarray:
    """(size, size, 3) texture for one object of class ``label``."""
    colour = _hsv_colour(rng, _OBJECT_HUES[label])
    tex = np.broadcast_to(colour, (size, size, 3)).astype(np.float32).copy()
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    if label == 3:  # stripes in a random direction
        angle = rng.uniform(0, np.pi)
        period = rng.uniform(5, 9)
        phase = (xx * np.cos(angle) + yy * np.sin(angle)) / period
        tex[(phase % 1.0) < 0.5] *= 0.45
    elif label == 4:  # a grid of dark dots
        period = rng.uniform(5, 8)
        radius = rng.uniform(1.2, 2.0)
        dy = (yy + rng.uniform(0, period)) % period - period / 2
        dx = (xx + rng.uniform(0, period)) % period - period / 2
        tex[dx * dx + dy * dy < radius * radius] *= 0.45
    return tex


def _object_mask(rng: np.random.Generator, label: int, size: int) -> np.ndarray:
    """Binary (size, size) uint8 mask of one object of class ``label``."""
    mask = np.zeros((size, size), np.uint8)
    cx, cy = (int(v) for v in rng.integers(8, size - 8, size=2))
    if label == 1:
        axes = (int(rng.integers(8, 26)), int(rng.integers(8, 26)))
        cv2.ellipse(mask, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    elif label == 2:
        rect = ((cx, cy), (float(rng.uniform(14, 44)), float(rng.uniform(14, 44))),
                float(rng.uniform(0, 90)))
        cv2.fillPoly(mask, [cv2.boxPoints(rect).astype(np.int32)], 1)
    elif label in (3, 4):
        n = int(rng.integers(3, 7))
        angles = np.sort(rng.uniform(0, 2 * np.pi, n))
        radii = rng.uniform(12, 30, n)
        pts = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], 1)
        cv2.fillPoly(mask, [pts.astype(np.int32)], 1)
    elif label == 5:
        radius = int(rng.integers(9, 24))
        cv2.circle(mask, (cx, cy), radius, 1, int(rng.integers(2, 4)))
    elif label == 6:
        length = rng.uniform(30, 90)
        angle = np.pi / 2 + rng.uniform(-0.35, 0.35)  # mostly upright, like a pole
        dx, dy = length / 2 * np.cos(angle), length / 2 * np.sin(angle)
        cv2.line(mask, (int(cx - dx), int(cy - dy)), (int(cx + dx), int(cy + dy)), 1,
                 int(rng.integers(2, 5)))
    return mask


def render_toy_scene(seed: int, split: str, index: int,
                     size: int = IMAGE_SIZE_PX) -> Tuple[np.ndarray, np.ndarray]:
    """Render one scene.

    Args:
        seed: dataset seed.
        split: 'train' or 'val' (the two splits never share a scene).
        index: image index within the split.
        size: side length in pixels.

    Returns:
        image (size, size, 3) uint8 RGB and label map (size, size) uint8 with values in
        [0, len(CLASSES)) or 255 for ignore.
    """
    rng = np.random.default_rng([seed, _SPLIT_IDS[split], index])
    image = _background(rng, size)
    label = np.zeros((size, size), np.uint8)
    for _ in range(int(rng.integers(4, 11))):
        cls = int(rng.integers(1, len(CLASSES)))
        mask = _object_mask(rng, cls, size).astype(bool)
        image[mask] = _texture(rng, cls, size)[mask]
        label[mask] = cls
        if rng.random() < 0.25:  # unlabelled boundary band around this object
            edge = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_GRADIENT,
                                    np.ones((3, 3), np.uint8)).astype(bool)
            label[edge] = IGNORE_INDEX
    if rng.random() < 0.3:  # a void blob: random colours, no class
        void = np.zeros((size, size), np.uint8)
        centre = tuple(int(v) for v in rng.integers(10, size - 10, size=2))
        cv2.circle(void, centre, int(rng.integers(5, 12)), 1, -1)
        void = void.astype(bool)
        image[void] = rng.uniform(0, 255, size=(int(void.sum()), 3))
        label[void] = IGNORE_INDEX
    image *= rng.uniform(0.7, 1.3)  # global illumination
    image += rng.normal(0, 6, size=image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), label


def generate_toy_scenes(out_dir: str, seed: int = 0, train_size: int = SPLIT_SIZES['train'],
                        val_size: int = SPLIT_SIZES['val']) -> dict:
    """Write the dataset as ``img_dir/{train,val}/*.png`` and ``ann_dir/{train,val}/*.png``.

    Returns:
        The number of images written per split.
    """
    import os

    counts = {}
    for split, n in (('train', train_size), ('val', val_size)):
        img_dir = osp.join(out_dir, 'img_dir', split)
        ann_dir = osp.join(out_dir, 'ann_dir', split)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        for index in range(n):
            image, label = render_toy_scene(seed, split, index)
            name = f'{split}_{index:04d}.png'
            cv2.imwrite(osp.join(img_dir, name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            cv2.imwrite(osp.join(ann_dir, name), label)
        counts[split] = n
    return counts
