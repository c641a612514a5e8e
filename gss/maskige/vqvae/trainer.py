"""Training of :class:`MaskigeVQVAE` (used by ``tools/train_maskige_vqvae.py``).

Training data are maskiges of label maps: real ones from dataset folders and procedural
layouts (irregular regions, thin structures, small blobs), each source painted with its own
palette. Every crop goes through the same path as GSS's targets: 2x upsampling, then X.

Loss: the squared error of the decoded maskige plus a cross-entropy on X^-1's soft scores
(negative squared distances to the palette colours / temperature), which targets the mask that
nearest-colour decoding will produce rather than the colours alone. The cross-entropy weighs
classes by the inverse square root of their share of the batch, because mIoU counts a thin pole
as much as the road.

Most 8x8 cells of a real mask are one colour and teach nothing; crops of real maps are
therefore centred on a class boundary most of the time (``boundary_crop_prob``).
"""
from __future__ import annotations

import glob
import math
import os.path as osp
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from gss.errors import InputError
from gss.maskige.palette import Maskige
from gss.maskige.stage1 import IGNORE_INDEX, reconstruction_iou
from gss.maskige.tokenizer import MASKIGE_SCALE, MaskigeTokenizer, upsample_mask
from gss.maskige.vqvae.maskige_vqvae import MaskigeVQVAE


def label_map_paths(folder_or_pattern: str, suffix: str = '.png') -> List[str]:
    """The label map files of a folder (``*suffix``) or of a glob pattern, sorted by name.

    A pattern selects part of a folder, e.g. one CamVid sequence (``trainannot/0006R0_*.png``),
    so that a whole sequence can be held out of training and used as unseen data.
    """
    if osp.isdir(folder_or_pattern):
        return sorted(glob.glob(osp.join(folder_or_pattern, f'*{suffix}')))
    return sorted(p for p in glob.glob(folder_or_pattern) if osp.isfile(p))


def read_label_maps(folder_or_pattern: str, suffix: str = '.png',
                    limit: Optional[int] = None) -> List[np.ndarray]:
    """The single-channel label maps of a folder or glob pattern (the first ``limit`` by
    name), as arrays."""
    paths = label_map_paths(folder_or_pattern, suffix)[:limit]
    if not paths:
        what = folder_or_pattern if glob.has_magic(folder_or_pattern) else \
            osp.join(folder_or_pattern, f'*{suffix}')
        raise FileNotFoundError(f'no label maps match {what}')
    labels = [cv2.imread(p, cv2.IMREAD_UNCHANGED) for p in paths]
    unreadable = [p for p, label in zip(paths, labels) if label is None or label.ndim != 2]
    if unreadable:
        raise InputError(f'{unreadable[0]}: not a single-channel label map (of {len(unreadable)} '
                         f'in {folder_or_pattern}); replace or remove it')
    return labels


def procedural_layout(rng: np.random.Generator, size: int, num_classes: int,
                      max_objects: int = 0) -> np.ndarray:
    """A random (size, size) label map: Voronoi regions, thin lines and blobs, some ignore,
    then up to ``max_objects`` object shapes (:func:`draw_objects`)."""
    seeds = rng.uniform(0, size, size=(int(rng.integers(2, 9)), 2))
    yy, xx = np.mgrid[0:size, 0:size]
    warp = rng.normal(0, size / 12, size=(2, 4, 4)).astype(np.float32)
    wy = cv2.resize(warp[0], (size, size), interpolation=cv2.INTER_CUBIC)
    wx = cv2.resize(warp[1], (size, size), interpolation=cv2.INTER_CUBIC)
    d = (yy[None] + wy[None] - seeds[:, 0, None, None]) ** 2 + \
        (xx[None] + wx[None] - seeds[:, 1, None, None]) ** 2
    region_classes = rng.integers(0, num_classes, size=len(seeds))
    label = region_classes[d.argmin(0)].astype(np.uint8)
    for _ in range(int(rng.integers(0, 5))):  # thin structures (poles, fences)
        p0, p1 = rng.integers(0, size, size=(2, 2))
        cv2.line(label, tuple(int(v) for v in p0), tuple(int(v) for v in p1),
                 int(rng.integers(0, num_classes)), int(rng.integers(1, 4)))
    for _ in range(int(rng.integers(0, 5))):  # small objects
        centre = tuple(int(v) for v in rng.integers(0, size, size=2))
        cv2.circle(label, centre, int(rng.integers(1, 6)), int(rng.integers(0, num_classes)), -1)
    if rng.random() < 0.3:
        centre = tuple(int(v) for v in rng.integers(0, size, size=2))
        cv2.circle(label, centre, int(rng.integers(2, 10)), IGNORE_INDEX, -1)
    if max_objects:
        draw_objects(label, rng, int(rng.integers(1, max_objects + 1)), num_classes)
    return label


def draw_objects(label: np.ndarray, rng: np.random.Generator, count: int,
                 num_classes: int) -> None:
    """Paint ``count`` object-like shapes into ``label`` in place.

    Real masks hold objects that Voronoi cells, lines and discs do not look like: upright
    people and cyclists (tall ellipses, often touching or overlapping one another), signs on
    poles, cars (boxes at any angle), each 2 to ~30 pixels across. They are meant to teach a
    tokeniser shapes beyond the training split's objects (``--procedural-objects``; on CamVid's
    unseen sequence they made no difference beyond noise, so the default draws none:
    docs/vqvae.md).
    """
    size = label.shape[0]
    for _ in range(count):
        cls = int(rng.integers(0, num_classes))
        centre = rng.uniform(0, size, size=2)
        height = float(np.exp(rng.uniform(np.log(2), np.log(max(3, size / 2)))))
        width = height * float(np.exp(rng.uniform(np.log(0.2), np.log(1.5))))
        angle = float(rng.normal(0, 15)) if rng.random() < 0.7 else float(rng.uniform(0, 180))
        kind = rng.random()
        if kind < 0.45:  # upright figure
            cv2.ellipse(label, (int(centre[1]), int(centre[0])),
                        (max(1, int(width / 2)), max(1, int(height / 2))), angle, 0, 360, cls, -1)
        elif kind < 0.75:  # box
            box = cv2.boxPoints(((float(centre[1]), float(centre[0])), (width, height), angle))
            cv2.fillPoly(label, [np.round(box).astype(np.int32)], cls)
        else:  # irregular polygon
            corners = int(rng.integers(3, 8))
            theta = np.sort(rng.uniform(0, 2 * np.pi, corners))
            radius = rng.uniform(0.4, 1.0, corners) * height / 2
            points = np.stack([centre[1] + radius * np.cos(theta) * width / height,
                               centre[0] + radius * np.sin(theta)], 1)
            cv2.fillPoly(label, [np.round(points).astype(np.int32)], cls)


def boundary_pixels(label: np.ndarray) -> np.ndarray:
    """(N, 2) coordinates of pixels whose right or lower neighbour has another label."""
    edge = np.zeros(label.shape, bool)
    edge[:, :-1] |= label[:, :-1] != label[:, 1:]
    edge[:-1, :] |= label[:-1, :] != label[1:, :]
    return np.argwhere(edge)


@dataclass
class MaskSource:
    """Where crops come from: real label maps (or procedural layouts) and their palette.

    Real maps are augmented as layouts: resized by a log-uniform factor in ``scale_range``,
    mirrored, rotated by up to ``max_rotation`` degrees (camera roll; the corners take the ignore
    label), and with probability ``mix_prob`` a rectangle of another map's crop is pasted in, so
    that the VQ-VAE meets layouts no training drive shows.
    """

    maskige: Maskige
    label_maps: Optional[List[np.ndarray]] = None  # None: procedural layouts
    boundary_crop_prob: float = 0.8
    scale_range: Tuple[float, float] = (0.5, 1.5)
    max_objects: int = 0  # procedural layouts: object shapes added to each (draw_objects)
    max_rotation: float = 0.0
    mix_prob: float = 0.0

    def sample(self, rng: np.random.Generator, crop: int) -> np.ndarray:
        if self.label_maps is None:
            return procedural_layout(rng, crop, self.maskige.num_classes, self.max_objects)
        label = self._crop(rng, crop)
        if rng.random() < self.mix_prob:
            h, w = (int(rng.integers(crop // 4, crop * 3 // 4 + 1)) for _ in range(2))
            y, x = int(rng.integers(0, crop - h + 1)), int(rng.integers(0, crop - w + 1))
            label[y:y + h, x:x + w] = self._crop(rng, crop)[y:y + h, x:x + w]
        return label

    def _crop(self, rng: np.random.Generator, crop: int) -> np.ndarray:
        label = self.label_maps[int(rng.integers(len(self.label_maps)))]
        scale = float(np.exp(rng.uniform(*np.log(self.scale_range))))
        if abs(scale - 1) > 0.05:
            label = cv2.resize(label, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
        if rng.random() < 0.5:
            label = label[:, ::-1]
        if self.max_rotation > 0:
            angle = float(rng.uniform(-self.max_rotation, self.max_rotation))
            h, w = label.shape
            matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
            label = cv2.warpAffine(np.ascontiguousarray(label), matrix, (w, h),
                                   flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT,
                                   borderValue=IGNORE_INDEX)
        h, w = label.shape
        if h < crop or w < crop:
            label = np.pad(label, ((0, max(0, crop - h)), (0, max(0, crop - w))),
                           constant_values=IGNORE_INDEX)
            h, w = label.shape
        y, x = int(rng.integers(0, h - crop + 1)), int(rng.integers(0, w - crop + 1))
        if rng.random() < self.boundary_crop_prob:
            edges = boundary_pixels(label)
            if len(edges):
                cy, cx = edges[int(rng.integers(len(edges)))]
                y = int(np.clip(cy - crop // 2, 0, h - crop))
                x = int(np.clip(cx - crop // 2, 0, w - crop))
        return np.array(label[y:y + crop, x:x + crop])


def maskige_loss(logits: Tensor, target: Tensor, labels: Tensor, maskige: Maskige,
                 temperature: float, ce_weight: float) -> Tensor:
    """Squared error of the maskige + cross-entropy of X^-1's soft scores (ignore excluded)."""
    reconstruction = torch.sigmoid(logits)
    loss = F.mse_loss(reconstruction, target)
    if ce_weight > 0:
        scores = maskige.scores(reconstruction) / temperature
        valid = (labels >= 0) & (labels < maskige.num_classes)
        if valid.any():
            counts = torch.bincount(labels[valid].long(), minlength=maskige.num_classes)
            class_weight = torch.where(counts > 0, counts.float().clamp(min=1).rsqrt(),
                                       torch.zeros(()))
            class_weight = class_weight / class_weight[counts > 0].mean()
            ce = F.cross_entropy(scores, torch.where(valid, labels, -100).long(),
                                 weight=class_weight, ignore_index=-100)
            loss = loss + ce_weight * ce
    return loss


def train_maskige_vqvae(model: MaskigeVQVAE, sources: Sequence[MaskSource],
                        weights: Sequence[float], steps: int, batch_size: int, crop: int,
                        lr: float = 1e-3, temperature: float = 0.05, ce_weight: float = 1.0,
                        seed: int = 0, log_every: int = 50,
                        log: Callable[[str], None] = print,
                        checkpoint_every: int = 0,
                        on_checkpoint: Optional[Callable[[int], str]] = None) -> List[dict]:
    """Train ``model`` in place; returns the logged history.

    Each batch draws ``batch_size`` crops of ``crop`` x ``crop`` labels from one source, chosen
    with probability proportional to ``weights`` (one palette per batch keeps X^-1 batched).
    Every ``checkpoint_every`` steps ``on_checkpoint(step)`` runs (evaluate, save) and its
    returned line is logged.
    """
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    warmup = min(200, steps // 10)

    def lr_at(step: int) -> float:
        if step < warmup:
            return lr * (step + 1) / warmup
        return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    probs = np.asarray(weights, np.float64) / np.sum(weights)
    history, start, running = [], time.time(), 0.0
    model.train()
    for step in range(steps):
        source = sources[int(rng.choice(len(sources), p=probs))]
        labels = torch.from_numpy(np.stack([source.sample(rng, crop) for _ in range(batch_size)]))
        # Trained at the resolution GSS tokenises masks at (2x the crop).
        labels = upsample_mask(labels.long(), (crop * MASKIGE_SCALE, crop * MASKIGE_SCALE))
        target = source.maskige.to_maskige(labels)
        for group in optimizer.param_groups:
            group['lr'] = lr_at(step)
        loss = maskige_loss(model.forward_train(target), target, labels, source.maskige,
                            temperature, ce_weight)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        running += float(loss.detach())
        if (step + 1) % log_every == 0 or step + 1 == steps:
            elapsed = time.time() - start
            entry = dict(step=step + 1, loss=running / ((step % log_every) + 1),
                         lr=lr_at(step), seconds=elapsed)
            history.append(entry)
            eta = elapsed / (step + 1) * (steps - step - 1)
            log(f'step {step + 1}/{steps}  loss {entry["loss"]:.4f}  lr {entry["lr"]:.2e}  '
                f'{elapsed / (step + 1):.2f} s/step  eta {eta / 60:.1f} min')
            running = 0.0
        if on_checkpoint is not None and checkpoint_every and (step + 1) % checkpoint_every == 0 \
                and step + 1 < steps:
            log(on_checkpoint(step + 1))
    model.freeze()
    return history


def evaluate_on_label_maps(model: MaskigeVQVAE, maskige: Maskige, labels: str,
                           label_transform: Optional[Callable[[np.ndarray], np.ndarray]] = None,
                           limit: Optional[int] = None) -> dict:
    """Stage-1 reconstruction IoU of ``model`` on the label maps ``labels`` names (a folder or a
    glob pattern; the first ``limit`` of them, sorted by name, if given)."""
    masks = []
    for label in read_label_maps(labels, limit=limit):
        if label_transform is not None:
            label = label_transform(label)
        masks.append(torch.from_numpy(label.astype(np.int64)))
    acc = reconstruction_iou(MaskigeTokenizer(model, maskige), masks)
    return dict(miou=acc.miou(), per_class_iou=acc.per_class_iou().tolist(), images=len(masks))
