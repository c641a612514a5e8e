"""Fixed-value loss regressions: each head's losses on fixed weights and inputs.

The values were recorded from the heads as they are; a refactor that changes any of them has
changed what the head computes (a new target path, another reduction, a lost weight)."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

PALETTE = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 0, 0]]
GSS_HEAD = dict(in_channels=[16, 8, 24, 32], in_index=[1, 0, 2, 3], channels=16,
                num_classes=4, palette=PALETTE, token_channels=16, token_classifier_channels=32,
                swin_num_heads=2, norm_cfg=dict(type='BN'),
                vqvae=dict(type='MaskigeVQVAE', hidden_channels=8, num_blocks=1,
                           fsq_levels=(4, 4, 2)))
PEER_HEAD = dict(in_channels=[4, 6], in_index=[0, 1], channels=8, num_classes=3, norm_cfg=None,
                 dropout_ratio=0.0)


def _gss_inputs(batch=2, size=32):
    gen = torch.Generator().manual_seed(0)
    features = [torch.randn(batch, 8, size // 4, size // 4, generator=gen),
                torch.randn(batch, 16, size // 8, size // 8, generator=gen),
                torch.randn(batch, 24, size // 16, size // 16, generator=gen),
                torch.randn(batch, 32, size // 32, size // 32, generator=gen)]
    return features, _samples(batch, size, num_classes=4, ignore_rows=5)


def _samples(batch, size, num_classes, ignore_rows):
    samples = []
    for i in range(batch):
        mask = torch.randint(0, num_classes, (1, size, size),
                             generator=torch.Generator().manual_seed(i))
        mask[:, :ignore_rows] = 255
        sample = SegDataSample(metainfo=dict(img_shape=(size, size), pad_shape=(size, size)))
        sample.gt_sem_seg = PixelData(data=mask)
        samples.append(sample)
    return samples


def _losses(head, inputs, samples) -> dict:
    head.train()
    return {k: float(v) for k, v in head.loss(inputs, samples, None).items()}


def _build(cfg):
    torch.manual_seed(0)
    return MODELS.build(cfg)


def test_gss_ff_losses():
    head = _build(dict(type='GSSFFHead', **GSS_HEAD))
    losses = _losses(head, *_gss_inputs())
    assert losses == pytest.approx(REFERENCE['gss_ff'], rel=1e-4)


def test_gss_ftw_loss():
    head = _build(dict(type='GSSFTWHead', inverse_channels=8, inverse_swin_num_heads=2,
                       inverse_swin_mlp_ratio=4.0, **GSS_HEAD))  # the default when recorded
    # What GSSEncoderDecoder(freeze_image_network=True) does to the head: only X^-1 learns,
    # the token branch keeps its BN statistics.
    frozen = [m for m in head.children() if m is not head.learned_inverse]
    for param in (p for m in frozen for p in m.parameters()):
        param.requires_grad_(False)
    head.train()
    for module in frozen:
        module.eval()
    losses = {k: float(v) for k, v in head.loss(*_gss_inputs(), None).items()}
    assert losses == pytest.approx(REFERENCE['gss_ftw'], rel=1e-4)


def _peer_inputs():
    gen = torch.Generator().manual_seed(0)
    features = [torch.randn(2, 4, 8, 8, generator=gen), torch.randn(2, 6, 4, 4, generator=gen)]
    return features, _samples(2, 32, num_classes=3, ignore_rows=4)


def test_gmmseg_losses():
    head = _build(dict(type='GMMSegHead', embed_dim=4, num_components=2, memory_size=50,
                       samples_per_iter=5, **PEER_HEAD))
    losses = _losses(head, *_peer_inputs())
    assert losses == pytest.approx(REFERENCE['gmmseg'], rel=1e-4)


def test_protoseg_losses():
    head = _build(dict(type='ProtoSegHead', embed_dim=4, num_prototypes=2, **PEER_HEAD))
    losses = _losses(head, *_peer_inputs())
    assert losses == pytest.approx(REFERENCE['protoseg'], rel=1e-4)


# Recorded on the heads before the tokenizer / FT-W refactor (2026-11-30); identical with 1 and
# 2 threads to 1e-6.
REFERENCE = {
    'gss_ff': dict(loss_token=2.676989793777466, acc_token=3.125,
                   loss_pixel=0.2879226505756378, acc_pixel=24.363426208496094),
    'gss_ftw': dict(loss_inverse=1.5645127296447754, acc_inverse=24.233217239379883),
    'gmmseg': dict(loss_ce=1.1972609758377075, acc_seg=33.25892639160156,
                   loss_component=0.016645697876811028),
    'protoseg': dict(loss_ce=1.2460923194885254, acc_seg=30.58035659790039,
                     loss_ppc=0.027053071185946465, loss_ppd=0.0011753198923543096),
}
