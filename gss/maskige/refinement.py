"""Posterior learning with the VQ-VAE in the loop: re-colour the classes it reconstructs worst.

The original GSS prints per-class reconstruction IoU and asks users to re-colour weak classes by
hand (greyish colours reconstruct badly with DALL-E). This automates that loop: each round takes
the worst class not yet tried, tries the lattice colours farthest from every other colour, and
keeps the best only if the stage-1 mIoU improves.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config

from gss.checkpoints import read_checkpoint
from gss.errors import InputError
from gss.maskige.palette import Maskige
from gss.maskige.stage1 import reconstruction_iou
from gss.maskige.tokenizer import MaskigeTokenizer
from gss.registry import VQVAES

CANDIDATE_STEP = 15  # RGB lattice of the candidate colours
CANDIDATES_PER_ROUND = 6


def build_vqvae(source: str):
    """A frozen VQ-VAE from a checkpoint (MaskigeVQVAE, or DALL-E as converted by
    dalle_to_gss.py) or a config holding ``vqvae=dict(...)`` or ``model.vqvae``."""
    if source.endswith('.py'):
        cfg = Config.fromfile(source)
        vqvae = cfg.get('vqvae') or cfg.get('model', {}).get('vqvae')
        if vqvae is None:
            raise InputError(f'{source} has neither vqvae=dict(...) nor model.vqvae')
        return VQVAES.build(vqvae)
    state = read_checkpoint(source, 'VQ-VAE checkpoint')
    kind = 'DalleVQVAE' if 'encoder' in state else 'MaskigeVQVAE'
    return VQVAES.build(dict(type=kind, checkpoint=source))


def load_val_masks(data_config: str, limit: int) -> List[torch.Tensor]:
    """The first ``limit`` ground-truth masks of the config's val dataset, label-mapped as the
    dataset's pipeline would (reduce_zero_label, label_map), ignore = 255."""
    from mmengine.registry import init_default_scope
    from mmseg.datasets.transforms import LoadAnnotations
    from mmseg.registry import DATASETS

    from gss.datasets.data_roots import check_data_roots

    cfg = Config.fromfile(data_config)
    check_data_roots(cfg, keys=('val_dataloader',))
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = cfg.val_dataloader.dataset.copy()
    dataset_cfg.pipeline = []
    dataset = DATASETS.build(dataset_cfg)
    masks = []
    for index in range(min(limit, len(dataset))):
        info = dataset.get_data_info(index)
        loader = LoadAnnotations(reduce_zero_label=info.get('reduce_zero_label', False))
        masks.append(torch.from_numpy(loader(dict(info))['gt_seg_map'].astype(np.int64)))
    return masks


def _candidates(palette: np.ndarray, cls: int, count: int) -> np.ndarray:
    axis = np.arange(0, 256, CANDIDATE_STEP)
    lattice = np.stack(np.meshgrid(axis, axis, axis, indexing='ij'), -1).reshape(-1, 3)
    others = np.delete(palette, cls, axis=0).astype(np.float64)  # ignore colour included
    distance = np.sqrt(((lattice[:, None] - others[None]) ** 2).sum(-1)).min(1)
    return lattice[np.argsort(-distance, kind='stable')[:count]]


def refine_palette_with_vqvae(palette: np.ndarray, vqvae: str, data: str, rounds: int,
                              images: int = 30, log: Callable[[str], None] = print,
                              masks: Optional[Sequence[torch.Tensor]] = None
                              ) -> Tuple[np.ndarray, List[dict]]:
    """Re-colour the worst-reconstructed classes ``rounds`` times.

    Args:
        palette: (K + 1, 3) ints, ignore colour last (it never moves).
        vqvae: checkpoint or config, see :func:`build_vqvae`.
        data: dataset config whose val masks are reconstructed.
        rounds: classes to try to re-colour.
        images: val masks used per evaluation.
        masks: the masks to use instead of reading ``data`` (tests).

    Returns:
        The refined palette and one record per round (class, colours, mIoU before/after).
    """
    model = build_vqvae(vqvae)
    masks = list(masks) if masks is not None else load_val_masks(data, images)
    palette = np.asarray(palette, np.int64).copy()

    def evaluate(p: np.ndarray) -> np.ndarray:
        return reconstruction_iou(MaskigeTokenizer(model, Maskige(p.tolist())),
                                  masks).per_class_iou()

    def fmt(iou: np.ndarray) -> str:
        return ' '.join(f'{v:.1f}' for v in iou)

    per_class = evaluate(palette)
    log(f'per-class IoU before ({len(masks)} masks, mIoU {np.nanmean(per_class):.2f}): '
        f'{fmt(per_class)}')
    tried, history = set(), []
    for round_index in range(rounds):
        order = [c for c in np.argsort(np.nan_to_num(per_class, nan=np.inf)) if c not in tried]
        if not order:
            break
        cls = int(order[0])
        tried.add(cls)
        best = (np.nanmean(per_class), palette[cls].copy(), per_class)
        for colour in _candidates(palette, cls, CANDIDATES_PER_ROUND):
            trial = palette.copy()
            trial[cls] = colour
            if (trial[cls] == np.delete(trial, cls, 0)).all(1).any():
                continue
            iou = evaluate(trial)
            if np.nanmean(iou) > best[0]:
                best = (np.nanmean(iou), colour.copy(), iou)
        record = dict(round=round_index, cls=cls, old=palette[cls].tolist(),
                      new=best[1].tolist(), miou_before=float(np.nanmean(per_class)),
                      miou_after=float(best[0]))
        history.append(record)
        if best[0] > np.nanmean(per_class):
            palette[cls], per_class = best[1], best[2]
            log(f'round {round_index + 1}: class {cls} {record["old"]} -> {record["new"]}, '
                f'mIoU {record["miou_before"]:.2f} -> {record["miou_after"]:.2f}')
        else:
            log(f'round {round_index + 1}: class {cls} keeps {record["old"]} (no candidate '
                f'beat mIoU {record["miou_before"]:.2f})')
    log(f'per-class IoU after (mIoU {np.nanmean(per_class):.2f}): {fmt(per_class)}')
    return palette, history
