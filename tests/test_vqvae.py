"""The VQ-VAE interface, FSQ, and the project's MaskigeVQVAE (built, saved, loaded, frozen)."""
import cv2
import numpy as np
import pytest
import torch

from gss.maskige.palette import Maskige
from gss.maskige.vqvae import FrozenVQVAE, MaskigeVQVAE
from gss.maskige.vqvae.fsq import FSQ
from gss.maskige.vqvae.trainer import MaskSource, procedural_layout, read_label_maps
from gss.registry import VQVAES

SMALL = dict(hidden_channels=16, num_blocks=1, fsq_levels=(4, 3, 2))


def test_fsq_indices_and_codes_are_inverse():
    fsq = FSQ((8, 5, 4))
    assert fsq.vocab_size == 160
    tokens = torch.arange(160).view(1, 10, 16)
    codes = fsq.indices_to_codes(tokens)
    assert codes.shape == (1, 3, 10, 16) and codes.abs().max() <= 1
    assert torch.equal(fsq.codes_to_indices(codes), tokens)
    # quantise lands on those codes, and the straight-through gradient flows
    z = torch.randn(2, 3, 4, 4, requires_grad=True)
    q = fsq.quantise(z)
    assert torch.equal(fsq.indices_to_codes(fsq.codes_to_indices(q)), q.detach())
    q.sum().backward()
    assert z.grad.abs().sum() > 0


def test_fsq_rejects_out_of_range_tokens():
    with pytest.raises(ValueError, match=r'tokens must lie in \[0, 12\)'):
        FSQ((4, 3)).indices_to_codes(torch.tensor([[[12]]]))


def test_maskige_vqvae_interface_shapes_ranges_and_frozen():
    torch.manual_seed(0)
    model = VQVAES.build(dict(type='MaskigeVQVAE', **SMALL))
    assert isinstance(model, FrozenVQVAE) and model.vocab_size == 24 and model.downsample == 8
    maskige = torch.rand(2, 3, 32, 48)
    tokens = model.encode(maskige)
    assert tokens.shape == (2, 4, 6) and tokens.dtype == torch.long
    assert 0 <= tokens.min() and tokens.max() < 24
    image = model.decode(tokens)
    assert image.shape == (2, 3, 32, 48) and 0 <= image.min() and image.max() <= 1
    assert not any(p.requires_grad for p in model.parameters())
    with pytest.raises(RuntimeError, match='is frozen'):
        model.train()  # GSS never trains its VQ-VAE
    assert not model.training


def test_maskige_vqvae_rejects_sizes_off_the_grid():
    model = MaskigeVQVAE(**SMALL)
    with pytest.raises(ValueError, match=r'divisible by 8, got \(30, 48\)'):
        model.encode(torch.rand(1, 3, 30, 48))
    with pytest.raises(ValueError, match=r'expects \(B, 3, H, W\)'):
        model.encode(torch.rand(3, 32, 32))


def test_checkpoint_round_trip_is_weights_only_and_exact(tmp_path):
    torch.manual_seed(1)
    model = MaskigeVQVAE(frozen=False, **SMALL)
    model.round_weights_to_fp16()
    path = str(tmp_path / 'vq.pth')
    torch.save(model.checkpoint_dict(note='test'), path)
    torch.load(path, weights_only=True)  # plain tensors and numbers only
    loaded = VQVAES.build(dict(type='MaskigeVQVAE', checkpoint=path))
    assert loaded.arch == dict(hidden_channels=16, num_blocks=1, fsq_levels=[4, 3, 2])
    maskige = torch.rand(1, 3, 16, 16)
    assert torch.equal(loaded.encode(maskige), model.encode(maskige))
    with pytest.raises(ValueError, match='hidden_channels=32 disagrees with checkpoint'):
        MaskigeVQVAE(checkpoint=path, hidden_channels=32)


def test_missing_or_foreign_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='absent.pth.*train_maskige_vqvae.py'):
        MaskigeVQVAE(checkpoint=str(tmp_path / 'absent.pth'))
    foreign = tmp_path / 'foreign.pth'
    torch.save({'weights': torch.zeros(1)}, foreign)
    with pytest.raises(ValueError, match='foreign.pth: not a MaskigeVQVAE checkpoint'):
        MaskigeVQVAE(checkpoint=str(foreign))


def test_nhwc_weights_give_the_codes_and_maskiges_of_nchw_ones():
    """MaskigeVQVAE keeps its weights channels-last for speed; the shipped CamVid model gives
    the same codes as with plain NCHW weights, on a piecewise-constant maskige."""
    import os.path as osp

    from tests.conftest import REPO_ROOT

    model = MaskigeVQVAE(checkpoint=osp.join(REPO_ROOT, 'checkpoints/maskige_vqvae_camvid.pth'))
    assert model.encoder.blocks[0].conv1.weight.is_contiguous(memory_format=torch.channels_last)
    reference = MaskigeVQVAE(**model.arch)
    reference.load_state_dict(model.state_dict())
    reference.to(memory_format=torch.contiguous_format)
    assert reference.encoder.blocks[0].conv1.weight.is_contiguous()
    gen = torch.Generator().manual_seed(0)
    coarse = torch.randint(0, 11, (2, 1, 6, 8), generator=gen).float()
    mask = torch.nn.functional.interpolate(coarse, size=(96, 128))[:, 0].long()
    palette = osp.join(REPO_ROOT, 'configs/_base_/palettes/camvid_11.json')
    maskige = Maskige(palette, 11).to_maskige(mask)
    tokens = model.encode(maskige)
    assert torch.equal(tokens, reference.encode(maskige))
    decoded = model.decode(tokens)
    assert decoded.is_contiguous()
    torch.testing.assert_close(decoded, reference.decode(tokens), atol=1e-5, rtol=0)


def _camvid_maskige(seed: int = 0):
    import os.path as osp

    from tests.conftest import REPO_ROOT

    gen = torch.Generator().manual_seed(seed)
    coarse = torch.randint(0, 11, (2, 1, 6, 8), generator=gen).float()
    mask = torch.nn.functional.interpolate(coarse, size=(96, 128))[:, 0].long()
    palette = Maskige(osp.join(REPO_ROOT, 'configs/_base_/palettes/camvid_11.json'), 11)
    return palette, palette.to_maskige(mask)


def _camvid_vqvae(**kwargs) -> MaskigeVQVAE:
    import os.path as osp

    from tests.conftest import REPO_ROOT

    return MaskigeVQVAE(checkpoint=osp.join(REPO_ROOT, 'checkpoints/maskige_vqvae_camvid.pth'),
                        **kwargs)


def test_bfloat16_precision_gives_the_float32_maskiges():
    palette, maskige = _camvid_maskige()
    exact, fast = _camvid_vqvae(), _camvid_vqvae(precision='bfloat16')
    tokens = exact.encode(maskige)
    fast_tokens = fast.encode(maskige)
    assert fast_tokens.dtype == torch.long
    assert (fast_tokens == tokens).float().mean() > 0.9  # the rest: neighbouring FSQ levels
    assert not torch.equal(fast.decode(tokens), exact.decode(tokens))  # bfloat16 really ran
    truth = palette.to_mask(maskige)
    exact_mask = palette.to_mask(exact.decode(tokens))
    fast_mask = palette.to_mask(fast.decode(fast_tokens))
    assert (fast_mask == exact_mask).float().mean() > 0.99
    accuracy = [(mask == truth).float().mean().item() for mask in (exact_mask, fast_mask)]
    assert accuracy[0] > 0.95 and abs(accuracy[1] - accuracy[0]) < 0.005


def test_float32_precision_stays_float32_inside_autocast_and_auto_follows_the_device(
        monkeypatch):
    from gss.maskige.vqvae import maskige_vqvae

    _, maskige = _camvid_maskige(1)
    exact = _camvid_vqvae()
    tokens = exact.encode(maskige)
    reference = exact.decode(tokens)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert torch.equal(exact.encode(maskige), tokens)
        assert torch.equal(exact.decode(tokens), reference)
    auto = _camvid_vqvae(precision='auto')
    bfloat16 = _camvid_vqvae(precision='bfloat16').decode(tokens)
    for native, expected in ((False, reference), (True, bfloat16)):
        monkeypatch.setattr(maskige_vqvae, 'native_bfloat16', lambda device: native)
        assert torch.equal(auto.decode(tokens), expected)
    with pytest.raises(ValueError, match="precision='half'; use one of float32, float16, "
                                         "bfloat16, auto"):
        MaskigeVQVAE(precision='half', **SMALL)


def test_a_frozen_vqvae_refuses_to_train_and_a_trainable_one_trains():
    frozen = MaskigeVQVAE(**SMALL)
    assert frozen.frozen and not frozen.training
    assert not any(p.requires_grad for p in frozen.parameters())
    frozen.train(False)  # eval is always allowed
    with pytest.raises(RuntimeError, match='MaskigeVQVAE is frozen'):
        frozen.train()
    trainable = MaskigeVQVAE(frozen=False, **SMALL)
    assert trainable.train().training and not trainable.frozen
    assert trainable.freeze().frozen and not trainable.training


def test_token_grid_and_levels_are_part_of_the_contract():
    vqvae = MaskigeVQVAE(**SMALL)
    assert vqvae.token_grid(360, 480) == (45, 60) and vqvae.token_grid(361, 480) == (46, 60)
    assert vqvae.token_levels == (4, 3, 2) and vqvae.vocab_size == 24


# ---------------------------------------------------------------- the trainer's training data
def _write_label_maps(folder, names):
    folder.mkdir()
    for i, name in enumerate(names):
        cv2.imwrite(str(folder / name), np.full((4, 6), i, np.uint8))


def test_label_maps_come_from_a_folder_or_a_glob_pattern(tmp_path):
    folder = tmp_path / 'annot'
    _write_label_maps(folder, ['0001TP_1.png', '0006R0_1.png', '0006R0_2.png', '0016E5_1.png'])
    assert [int(m[0, 0]) for m in read_label_maps(str(folder))] == [0, 1, 2, 3]
    # a whole sequence in or out: the way one is held out as unseen data
    assert [int(m[0, 0]) for m in read_label_maps(f'{folder}/0006R0_*.png')] == [1, 2]
    assert [int(m[0, 0]) for m in read_label_maps(f'{folder}/00??[TE]*.png')] == [0, 3]
    with pytest.raises(FileNotFoundError, match=r'no label maps match .*annot/Seq05VD_\*\.png'):
        read_label_maps(f'{folder}/Seq05VD_*.png')
    with pytest.raises(FileNotFoundError, match=r'no label maps match .*empty/\*\.png'):
        (tmp_path / 'empty').mkdir()
        read_label_maps(str(tmp_path / 'empty'))


def test_procedural_objects_add_shapes_and_zero_keeps_the_old_layouts():
    plain = [procedural_layout(np.random.default_rng(s), 64, 11) for s in range(20)]
    same = [procedural_layout(np.random.default_rng(s), 64, 11, max_objects=0)
            for s in range(20)]
    assert all((a == b).all() for a, b in zip(plain, same))
    with_objects = [procedural_layout(np.random.default_rng(s), 64, 11, max_objects=8)
                    for s in range(20)]
    changed = [(a != b).mean() for a, b in zip(plain, with_objects)]
    # every layout gets at least one shape; most shapes are small (a few % of the crop)
    assert sum(c > 0 for c in changed) >= 18 and 0.005 < float(np.median(changed)) < 0.5
    values = np.unique(np.concatenate([m.ravel() for m in with_objects]))
    assert set(values.tolist()) <= set(range(11)) | {255}


def test_real_label_maps_are_resized_by_a_factor_from_the_scale_range():
    stripes = np.tile(np.arange(60) % 2, (60, 1)).astype(np.uint8)  # 1-pixel vertical stripes
    palette = 'configs/_base_/palettes/camvid_11.json'

    def run_lengths(scale):
        source = MaskSource(Maskige(palette), [stripes], boundary_crop_prob=0.0,
                            scale_range=(scale, scale))
        row = source.sample(np.random.default_rng(0), 32)[5].astype(int)
        cuts = np.flatnonzero(np.diff(row)) + 1
        return set(np.diff(cuts).tolist())

    assert run_lengths(1.0) == {1}
    assert run_lengths(2.0) == {2}
    assert run_lengths(3.0) == {3}


def test_rotation_and_mixing_make_new_layouts_from_real_maps():
    palette = 'configs/_base_/palettes/camvid_11.json'
    halves = np.zeros((64, 64), np.uint8)
    halves[:, 32:] = 1
    rows = np.full((64, 64), 3, np.uint8)
    rows[32:] = 4
    rotated = MaskSource(Maskige(palette), [halves], boundary_crop_prob=0.0, scale_range=(1, 1),
                         max_rotation=45).sample(np.random.default_rng(3), 64)
    # a vertical edge turned by up to 45 degrees: rows see it at different columns, and the
    # corners outside the turned map are ignore
    first_one = [int(np.flatnonzero(row == 1)[0]) for row in rotated[16:48]]
    assert len(set(first_one)) > 4 and (rotated == 255).any()
    mixed = MaskSource(Maskige(palette), [halves, rows], boundary_crop_prob=0.0,
                       scale_range=(1, 1), mix_prob=1.0)
    crops = [mixed.sample(np.random.default_rng(seed), 64) for seed in range(8)]
    assert any({0, 1} & set(np.unique(c)) and {3, 4} & set(np.unique(c)) for c in crops)
    assert all(c.shape == (64, 64) for c in crops)
