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
