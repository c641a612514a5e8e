"""gmmseg_original_to_gss: the released GMMSeg checkpoint (leonnnop/GMMSeg, MMSegmentation 0.x,
SegFormer MiT-B5 on COCO-Stuff 10k) loads strictly into our config, every tensor is used or
left out on purpose, and the converted head computes what the original head computes."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmseg.registry import MODELS

from gss.checkpoints import weights_fit
from gss.converters import convert_gmmseg_original
from gss.errors import InputError
from tests.conftest import REPO_ROOT

COCO_CONFIG = 'configs/gmmseg/gmmseg_mit-b5_80k_coco-stuff10k-512x512.py'
STAGE_CHANNELS = (64, 128, 320, 512)


def _released_head_layout(classes=171, components=5, dim=64, channels=768,
                          memory=32000) -> dict:
    """The released head's 48 tensors (names and shapes derived from SegformerGMMSegHead and
    its base), on the meta device except the iteration counter the converter reads."""
    meta = dict(device='meta')
    groups = classes * components
    head = {
        'means': torch.empty(classes, components, dim, **meta),
        'diagonal': torch.empty(classes, components, dim, **meta),
        'eye_matrix': torch.empty(dim, **meta),
        'iteration_counter': torch.tensor([80000.0]),
        'queue': torch.empty(groups, dim, memory, **meta),
        'queue_ptr': torch.empty(groups, dtype=torch.long, **meta),
        'conv_seg.weight': torch.empty(classes, channels, 1, 1, **meta),
        'conv_seg.bias': torch.empty(classes, **meta),
        'feat_norm.weight': torch.empty(dim, **meta), 'feat_norm.bias': torch.empty(dim, **meta),
        'mask_norm.weight': torch.empty(classes, **meta),
        'mask_norm.bias': torch.empty(classes, **meta),
    }

    def conv_bn(name, out_c, in_c):
        head[f'{name}.conv.weight'] = torch.empty(out_c, in_c, 1, 1, **meta)
        for stat in ('weight', 'bias', 'running_mean', 'running_var'):
            head[f'{name}.bn.{stat}'] = torch.empty(out_c, **meta)
        head[f'{name}.bn.num_batches_tracked'] = torch.empty((), dtype=torch.long, **meta)

    for i, in_c in enumerate(STAGE_CHANNELS):
        conv_bn(f'convs.{i}', channels, in_c)
    conv_bn('fusion_conv', channels, channels * 4)
    conv_bn('projection', dim, channels)
    return {'decode_head.' + k: v for k, v in head.items()}


@pytest.mark.slow
def test_released_layout_loads_strictly_into_the_coco_stuff_config():
    cfg = Config.fromfile(osp.join(REPO_ROOT, COCO_CONFIG))
    cfg.model.backbone.init_cfg = None
    cfg.model.decode_head.memory_size = 20  # not in the state dict; keeps the build small
    model = MODELS.build(cfg.model)
    # The MiT backbone's names are mmseg 0.x's (checked against the 0.x code): 948 tensors.
    backbone = {k: torch.empty_like(v, device='meta') for k, v in model.state_dict().items()
                if k.startswith('backbone.')}
    assert len(backbone) == 948
    assert backbone['backbone.layers.0.0.projection.weight'].shape == (64, 3, 7, 7)
    assert backbone['backbone.layers.2.1.39.ffn.layers.1.weight'].shape == (1280, 1, 3, 3)
    assert backbone['backbone.layers.1.1.5.attn.attn.in_proj_weight'].shape == (384, 128)
    original = dict(backbone, **_released_head_layout())
    assert len(original) == 996
    ours, dropped = convert_gmmseg_original(original)
    # means, diagonal, iteration_counter -> means, stds, iteration, em_steps_taken
    assert len(ours) + len(dropped) == len(original) + 1
    assert sorted(k.split('.', 1)[1] for k in dropped) == [
        'conv_seg.bias', 'conv_seg.weight', 'eye_matrix', 'queue', 'queue_ptr']
    fit = weights_fit(model, ours)
    assert fit.exact, fit.summary()
    assert int(ours['decode_head.iteration']) == 80000
    assert int(ours['decode_head.em_steps_taken']) == 16000


def _small_model() -> torch.nn.Module:
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs/_base_/models/gmmseg_mit-b5.py'))
    cfg.model.type = 'EncoderDecoder'
    cfg.model.backbone.update(embed_dims=8, num_layers=[1, 1, 1, 1], num_heads=[1, 2, 2, 4],
                              init_cfg=None)
    cfg.model.decode_head.update(in_channels=[8, 16, 16, 32], channels=16, embed_dim=8,
                                 num_classes=3, num_components=2, memory_size=20,
                                 norm_cfg=dict(type='BN'))
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval()


def _to_released(state: dict, generator: torch.Generator) -> dict:
    """Our state dict in the original's names, with what the original stores besides:
    unnormalised means, the EM memory, the identity diagonal and the unused classifier."""
    head = 'decode_head.'
    original = {}
    for key, value in state.items():
        if key in (head + 'iteration', head + 'em_steps_taken'):
            continue
        key = key.replace(head + 'fusion.lateral.', head + 'convs.')
        key = key.replace(head + 'fusion.fuse.', head + 'fusion_conv.')
        key = key.replace(head + 'stds', head + 'diagonal')
        original[key] = value.clone()
    means = original[head + 'means']
    original[head + 'means'] = means * (1 + 0.05 * torch.rand(means.shape[:2] + (1,),
                                                              generator=generator))
    original[head + 'diagonal'] = 0.1 + torch.rand(means.shape, generator=generator)
    for stat in ('running_mean', 'running_var'):
        for key in [k for k in original if k.endswith(stat)]:
            original[key] = torch.rand(original[key].shape, generator=generator) + 0.5
    groups = means.shape[0] * means.shape[1]
    original.update({head + 'queue': torch.randn(groups, means.shape[2], 7, generator=generator),
                     head + 'queue_ptr': torch.zeros(groups, dtype=torch.long),
                     head + 'eye_matrix': torch.ones(means.shape[2]),
                     head + 'iteration_counter': torch.tensor([35.0]),
                     head + 'conv_seg.weight': torch.randn(3, 16, 1, 1, generator=generator),
                     head + 'conv_seg.bias': torch.randn(3, generator=generator)})
    return original


def _original_head_logits(original: dict, features: list) -> torch.Tensor:
    """The original head's inference maths, written from its description (gmmseg_protoseg.md,
    A.2-A.4): SegFormer fusion, projection (conv, BN, ReLU), LayerNorm, L2, diagonal-Gaussian
    log-density with freshly normalised means and `diagonal` as the deviations, max over
    components, LayerNorm over classes."""
    h = {k[len('decode_head.'):]: v for k, v in original.items() if k.startswith('decode_head.')}

    def conv_bn_relu(name, x):
        x = F.conv2d(x, h[f'{name}.conv.weight'])
        x = F.batch_norm(x, h[f'{name}.bn.running_mean'], h[f'{name}.bn.running_var'],
                         h[f'{name}.bn.weight'], h[f'{name}.bn.bias'], eps=1e-5)
        return F.relu(x)

    size = features[0].shape[2:]
    maps = [F.interpolate(conv_bn_relu(f'convs.{i}', x), size=size, mode='bilinear',
                          align_corners=False) for i, x in enumerate(features)]
    x = conv_bn_relu('projection', conv_bn_relu('fusion_conv', torch.cat(maps, 1)))
    b, d, hh, ww = x.shape
    rows = x.permute(0, 2, 3, 1).reshape(-1, d)
    rows = F.normalize(F.layer_norm(rows, (d,), h['feat_norm.weight'], h['feat_norm.bias']),
                       dim=-1)
    means = F.normalize(h['means'], dim=-1).reshape(-1, d)
    stds = h['diagonal'].reshape(-1, d)
    log_prob = torch.distributions.Normal(means, stds).log_prob(rows[:, None]).sum(-1)
    classes = h['mask_norm.weight'].shape[0]
    best = log_prob.view(len(rows), classes, -1).amax(-1)
    logits = F.layer_norm(best, (classes,), h['mask_norm.weight'], h['mask_norm.bias'])
    return logits.view(b, hh, ww, classes).permute(0, 3, 1, 2)


def test_converted_head_computes_what_the_original_computes(tmp_path):
    generator = torch.Generator().manual_seed(3)
    model = _small_model()
    original = _to_released(model.state_dict(), generator)
    path = tmp_path / 'released.pth'
    torch.save(dict(meta=dict(CLASSES=('a', 'b', 'c'), PALETTE=[[0, 0, 0]] * 3, iter=35),
                    state_dict=original, optimizer=dict(state={}, param_groups=[])), path)
    out = tmp_path / 'converted.pth'
    run = subprocess.run([sys.executable, 'tools/model_converters/gmmseg_original_to_gss.py',
                          str(path), str(out)], cwd=REPO_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert '(5 left out: queue, queue_ptr, eye_matrix, conv_seg.weight, conv_seg.bias)' in \
        run.stdout
    converted = torch.load(out, weights_only=True)
    assert converted['meta']['dataset_meta']['classes'] == ['a', 'b', 'c']
    fresh = _small_model()
    fresh.load_state_dict(converted['state_dict'], strict=True)
    image = torch.randn(1, 3, 64, 64, generator=generator)
    with torch.no_grad():
        features = fresh.extract_feat(image)
        ours = fresh.decode_head(features)
        expected = _original_head_logits(original, list(features))
    assert ours.shape == (1, 3, 16, 16)
    torch.testing.assert_close(ours, expected, atol=1e-4, rtol=1e-4)
    # Without re-normalising the saved means the logits differ: the test can tell.
    unnormalised = dict(converted['state_dict'])
    unnormalised['decode_head.means'] = original['decode_head.means']
    fresh.load_state_dict(unnormalised)
    with torch.no_grad():
        assert not torch.allclose(fresh.decode_head(features), expected, atol=1e-3)
    # An existing output is kept unless --overwrite.
    before = out.read_bytes()
    again = subprocess.run([sys.executable, 'tools/model_converters/gmmseg_original_to_gss.py',
                            str(path), str(out)], cwd=REPO_ROOT, capture_output=True, text=True)
    assert again.returncode != 0 and again.stderr.strip().count('\n') == 0
    assert 'exists; pass --overwrite' in again.stderr and out.read_bytes() == before


@pytest.mark.parametrize('iterations,m_steps', [(0, 0), (1, 1), (5, 1), (6, 2), (12, 3)])
def test_em_steps_taken_counts_the_released_phase(iterations, m_steps):
    """The released head ran an M-step at iterations 0, 5, 10, ...: ceil(counter / 5)."""
    layout = _released_head_layout(classes=2, components=1, dim=2, channels=4, memory=1)
    layout['decode_head.means'] = torch.ones(2, 1, 2)
    layout['decode_head.diagonal'] = torch.ones(2, 1, 2)
    layout['decode_head.iteration_counter'] = torch.tensor([float(iterations)])
    ours, _ = convert_gmmseg_original(layout)
    assert int(ours['decode_head.iteration']) == iterations
    assert int(ours['decode_head.em_steps_taken']) == m_steps


def test_em_interval_must_be_positive():
    layout = _released_head_layout(classes=2, components=1, dim=2, channels=4, memory=1)
    layout['decode_head.means'] = torch.ones(2, 1, 2)
    layout['decode_head.diagonal'] = torch.ones(2, 1, 2)
    with pytest.raises(InputError, match=r'^em_interval must be a positive integer .*got 0$'):
        convert_gmmseg_original(layout, em_interval=0)


def test_unknown_and_missing_keys_are_named():
    layout = _released_head_layout(classes=2, components=1, dim=2, channels=4, memory=1)
    with pytest.raises(InputError, match=r'^1 keys of no known module: decode_head\.aux\.weight; '
                       r'is it a GMMSeg checkpoint of the original code'):
        convert_gmmseg_original(dict(layout, **{'decode_head.aux.weight': torch.zeros(1)}))
    del layout['decode_head.diagonal']
    with pytest.raises(InputError, match=r'^no decode_head\.diagonal: not a GMMSeg checkpoint'):
        convert_gmmseg_original(layout)
