"""The VQ-VAE interface, FSQ, and the project's MaskigeVQVAE (built, saved, loaded, frozen)."""
import pytest
import torch

from gss.models.vqvae import FrozenVQVAE, MaskigeVQVAE
from gss.models.vqvae.fsq import FSQ
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
    model.train()
    assert not model.training  # GSS never trains its VQ-VAE


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

    from gss.maskige import Maskige
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

    from gss.maskige import Maskige
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
    from gss.models.vqvae import maskige_vqvae

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
    with pytest.raises(ValueError, match="precision='float16'; use one of float32, bfloat16"):
        MaskigeVQVAE(precision='float16', **SMALL)
