"""Posterior learning with the VQ-VAE in the loop (``posterior_learning.py --refine``)."""
import numpy as np
import torch

from gss.maskige.posterior_learning import maximal_distance_palette
from gss.maskige.refinement import load_val_masks, refine_palette_with_vqvae
from gss.maskige.vqvae import MaskigeVQVAE


def _toy_config(tmp_path, repo_root, data_root):
    path = tmp_path / 'toy_data.py'
    path.write_text(f"_base_ = ['{repo_root}/configs/_base_/datasets/toy_scenes.py']\n"
                    f"val_dataloader = dict(dataset=dict(data_root='{data_root}'))\n")
    return str(path)


def test_val_masks_are_read_with_the_dataset_label_mapping(tmp_path, repo_root, toy_data_root):
    masks = load_val_masks(_toy_config(tmp_path, repo_root, toy_data_root), limit=3)
    assert len(masks) == 3 and masks[0].shape == (128, 128)
    values = set(torch.cat([m.flatten() for m in masks]).tolist())
    assert values <= set(range(7)) | {255} and len(values & set(range(7))) >= 3


def test_refinement_only_keeps_changes_that_raise_miou(tmp_path, repo_root, toy_data_root):
    torch.manual_seed(0)
    checkpoint = str(tmp_path / 'random_vqvae.pth')
    model = MaskigeVQVAE(hidden_channels=16, num_blocks=1, fsq_levels=(4, 4, 4), frozen=False)
    torch.save(model.checkpoint_dict(), checkpoint)
    palette = maximal_distance_palette(7)
    lines = []
    refined, history = refine_palette_with_vqvae(
        palette, checkpoint, _toy_config(tmp_path, repo_root, toy_data_root), rounds=2,
        images=4, log=lines.append)
    assert len(history) == 2 and lines[0].startswith('per-class IoU before')
    assert lines[-1].startswith('per-class IoU after')
    before = float(lines[0].split('mIoU ')[1].split(')')[0])
    after = float(lines[-1].split('mIoU ')[1].split(')')[0])
    assert after >= before
    assert all(r['miou_after'] >= r['miou_before'] for r in history)
    changed = {i for i in range(8) if not np.array_equal(refined[i], palette[i])}
    assert changed <= {r['cls'] for r in history} and refined[-1].tolist() == [0, 0, 0]
    assert (after > before) == bool(changed)
