"""protoseg_original_to_gss: a checkpoint in the released ProtoSeg layout (openseg.pytorch,
HRNet-W48 scaled down) converts with every tensor accounted for, loads strictly into our model,
and the converted model computes what the released code computes: openseg's HRNet fusion, the
head's conv bias folded into its BN, the width-axis L2 of the projection, BGR input."""
import importlib.util
import math
import os.path as osp
import subprocess
import sys
from typing import Optional
from unittest import mock

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.models.backbones.hrnet import HRModule
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from gss.checkpoints import weights_fit
from gss.converters.protoseg_original import convert_protoseg_original
from gss.errors import InputError
from gss.models.backbones.openseg_hrnet import OpenSegHRModule, OpenSegHRNet
from tests.conftest import REPO_ROOT

RELEASED_CONFIG = osp.join(REPO_ROOT, 'configs', 'protoseg',
                           'protoseg_hrnet-w48_released_cityscapes-1024x2048.py')
TOOL = osp.join(REPO_ROOT, 'tools', 'model_converters', 'protoseg_original_to_gss.py')
BN = dict(type='BN', requires_grad=True)
# HRNet-W48's structure scaled down: one module of one block per stage.
BRANCH_CHANNELS = (4, 8, 16, 32)
SMALL_EXTRA = dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1, ),
                num_channels=(4, )),
    **{f'stage{n}': dict(num_modules=1, num_branches=n, block='BASIC', num_blocks=(1, ) * n,
                         num_channels=BRANCH_CHANNELS[:n]) for n in (2, 3, 4)})
EMBED, CLASSES, PROTOTYPES = sum(BRANCH_CHANNELS), 3, 2
IMAGE_HW = (64, 96)  # not square, so normalising along the height would show
# Original head key -> ours, for the tensors that are only renamed.
HEAD_RENAMES = {
    'cls_head.0.weight': 'decode_head.fuse.conv.weight',
    'cls_head.1.0.weight': 'decode_head.fuse.bn.weight',
    'cls_head.1.0.bias': 'decode_head.fuse.bn.bias',
    'cls_head.1.0.running_var': 'decode_head.fuse.bn.running_var',
    'cls_head.1.0.num_batches_tracked': 'decode_head.fuse.bn.num_batches_tracked',
    'proj_head.proj.0.weight': 'decode_head.projection.0.weight',
    'proj_head.proj.0.bias': 'decode_head.projection.0.bias',
    'proj_head.proj.2.weight': 'decode_head.projection.2.weight',
    'proj_head.proj.2.bias': 'decode_head.projection.2.bias',
    'feat_norm.weight': 'decode_head.feat_norm.weight',
    'feat_norm.bias': 'decode_head.feat_norm.bias',
    'mask_norm.weight': 'decode_head.mask_norm.weight',
    'mask_norm.bias': 'decode_head.mask_norm.bias',
}
DUPLICATES = [f'proj_head.mlp2.{i}.{p}' for i in (0, 2) for p in ('weight', 'bias')]
# openseg's Normalize: x / 255, then the ImageNet RGB mean / std zipped with the B, G, R channels.
OPENSEG_MEAN, OPENSEG_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


# ---------------------------------------------------------------- the released layout
def _bn(channels: int, gen: torch.Generator) -> dict:
    """A BN's entries with non-trivial statistics, as after training."""
    return {'weight': torch.rand(channels, generator=gen) + 0.5,
            'bias': torch.randn(channels, generator=gen) * 0.1,
            'running_mean': torch.randn(channels, generator=gen) * 0.2,
            'running_var': torch.rand(channels, generator=gen) * 1.5 + 0.5,
            'num_batches_tracked': torch.tensor(80000)}


def _conv(out_channels: int, in_channels: int, kernel: int, gen: torch.Generator):
    return torch.randn(out_channels, in_channels, kernel, kernel, generator=gen) / math.sqrt(
        in_channels * kernel * kernel)


def _original_backbone(gen: torch.Generator) -> dict:
    """openseg's HRNet tensors: mmseg's HRNet names, random weights and BN statistics."""
    state = MODELS.build(dict(type='HRNet', extra=SMALL_EXTRA, norm_cfg=BN)).state_dict()
    norms = [k[:-len('.running_mean')] for k in state if k.endswith('.running_mean')]
    state.update({k: _conv(*v.shape[:3], gen) for k, v in state.items() if v.dim() == 4})
    for norm in norms:
        channels = len(state[f'{norm}.running_mean'])
        state.update({f'{norm}.{k}': v for k, v in _bn(channels, gen).items()})
    return state


def _original_head(gen: torch.Generator) -> dict:
    """HRNet_W48_Proto's head tensors, named as its state_dict() names them."""
    projection = {'0.weight': _conv(EMBED, EMBED, 1, gen),
                  '0.bias': torch.randn(EMBED, generator=gen) * 0.1,
                  '2.weight': _conv(EMBED, EMBED, 1, gen),
                  '2.bias': torch.randn(EMBED, generator=gen) * 0.1}
    head = {'prototypes': torch.randn(CLASSES, PROTOTYPES, EMBED, generator=gen) * 3,
            'cls_head.0.weight': _conv(EMBED, EMBED, 3, gen),
            'cls_head.0.bias': torch.randn(EMBED, generator=gen) * 0.5}
    head.update({f'cls_head.1.0.{k}': v for k, v in _bn(EMBED, gen).items()})
    # One module registered as both proj and mlp2: the same tensors under two names.
    head.update({f'proj_head.{name}.{k}': v for name in ('proj', 'mlp2')
                 for k, v in projection.items()})
    for name, width in (('feat_norm', EMBED), ('mask_norm', CLASSES)):
        head[f'{name}.weight'] = torch.rand(width, generator=gen) + 0.5
        head[f'{name}.bias'] = torch.randn(width, generator=gen) * 0.1
    return head


@pytest.fixture(scope='module')
def released(tmp_path_factory) -> dict:
    """A released-like file (``config_dict`` + ``state_dict`` under ``module.``) and its
    tensors without the prefix."""
    gen = torch.Generator().manual_seed(0)
    state = {'backbone.' + k: v for k, v in _original_backbone(gen).items()}
    state.update(_original_head(gen))
    path = str(tmp_path_factory.mktemp('released') / 'hrnet_w48_proto_max_performance.pth')
    config_dict = dict(network=dict(model_name='hrnet_w48_proto', backbone='hrnet48'),
                       data=dict(num_classes=CLASSES), protoseg=dict(num_prototype=PROTOTYPES))
    torch.save(dict(config_dict=config_dict,
                    state_dict={'module.' + k: v for k, v in state.items()}), path)
    return dict(path=path, state=state)


def _run_tool(*argv: str):
    """The tool's main() in this process: None on success, else its exit message."""
    spec = importlib.util.spec_from_file_location('protoseg_original_to_gss', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    with mock.patch.object(sys, 'argv', [TOOL, *argv]):
        try:
            tool.main()
        except SystemExit as exit_:
            return exit_.code
    return None


@pytest.fixture(scope='module')
def converted(released, tmp_path_factory) -> dict:
    dst = str(tmp_path_factory.mktemp('converted') / 'protoseg.pth')
    assert _run_tool(released['path'], dst) is None
    return torch.load(dst, weights_only=True)


def _small_model(state: Optional[dict] = None) -> torch.nn.Module:
    """The released config's model with the small HRNet and head, in eval mode."""
    cfg = Config.fromfile(RELEASED_CONFIG).model
    cfg.backbone.update(extra=SMALL_EXTRA, norm_cfg=BN, init_cfg=None)
    cfg.decode_head.update(in_channels=list(BRANCH_CHANNELS), channels=EMBED, embed_dim=EMBED,
                           num_classes=CLASSES, num_prototypes=PROTOTYPES, norm_cfg=BN)
    model = MODELS.build(cfg)
    if state is not None:
        model.load_state_dict(state, strict=True)
    return model.eval()


# ---------------------------------------------------------------- the released maths
def _openseg_module(module: HRModule, xs: list) -> list:
    """openseg's HighResolutionModule.forward on an HRModule's weights: branches, then each
    output the sum of x[0]'s term and the others', lower resolutions upsampled by conv, BN and a
    bilinear resize with align_corners=True, then ReLU."""
    xs = [branch(x) for branch, x in zip(module.branches, xs)]
    if len(xs) == 1:
        return xs
    out = []
    for i, fuse in enumerate(module.fuse_layers):
        y = xs[0] if i == 0 else fuse[0](xs[0])
        for j in range(1, len(xs)):
            if j == i:
                y = y + xs[j]
            elif j > i:
                conv, bn = fuse[j][0], fuse[j][1]
                y = y + F.interpolate(bn(conv(xs[j])), size=xs[i].shape[2:], mode='bilinear',
                                      align_corners=True)
            else:
                y = y + fuse[j](xs[j])
        out.append(F.relu(y))
    return out


def _openseg_hrnet(net, x: torch.Tensor) -> list:
    """openseg's HighResolutionNet.forward on an mmseg HRNet's weights."""
    x = net.relu(net.norm2(net.conv2(net.relu(net.norm1(net.conv1(x))))))
    xs = [net.layer1(x)]
    for transition, stage in ((net.transition1, net.stage2), (net.transition2, net.stage3),
                              (net.transition3, net.stage4)):
        xs = [xs[i] if t is None else t(xs[-1]) for i, t in enumerate(transition)]
        for module in stage:
            xs = _openseg_module(module, xs)
    return xs


def _released_head(s: dict, feats: list) -> torch.Tensor:
    """HRNet_W48_Proto.forward's head (eval) on original-layout tensors: (B, classes, h, w)."""
    h, w = feats[0].shape[2:]
    x = torch.cat([feats[0]] + [F.interpolate(f, size=(h, w), mode='bilinear',
                                              align_corners=True) for f in feats[1:]], 1)
    x = F.conv2d(x, s['cls_head.0.weight'], s['cls_head.0.bias'], padding=1)
    x = F.relu(F.batch_norm(x, s['cls_head.1.0.running_mean'], s['cls_head.1.0.running_var'],
                            s['cls_head.1.0.weight'], s['cls_head.1.0.bias'], eps=1e-5))
    x = F.relu(F.conv2d(x, s['proj_head.proj.0.weight'], s['proj_head.proj.0.bias']))
    x = F.conv2d(x, s['proj_head.proj.2.weight'], s['proj_head.proj.2.bias'])
    x = F.normalize(x, p=2, dim=-1)  # l2_normalize on NCHW: along the width
    pixels = x.permute(0, 2, 3, 1).reshape(-1, EMBED)
    pixels = F.layer_norm(pixels, (EMBED, ), s['feat_norm.weight'], s['feat_norm.bias'])
    pixels = F.normalize(pixels, p=2, dim=-1)
    masks = torch.einsum('nd,kmd->nmk', pixels, F.normalize(s['prototypes'], p=2, dim=-1))
    out = F.layer_norm(masks.amax(1), (CLASSES, ), s['mask_norm.weight'], s['mask_norm.bias'])
    return out.view(x.shape[0], h, w, CLASSES).permute(0, 3, 1, 2)


def _mmseg_hrnet(state: dict) -> torch.nn.Module:
    net = MODELS.build(dict(type='HRNet', extra=SMALL_EXTRA, norm_cfg=BN))
    net.load_state_dict({k[len('backbone.'):]: v for k, v in state.items()
                         if k.startswith('backbone.')}, strict=True)
    net.eval()  # HRNet.train() returns None
    return net


# ---------------------------------------------------------------- conversion
def test_every_tensor_is_used_or_a_dropped_duplicate_and_loads_strictly(released, converted):
    original, ours = released['state'], converted['state_dict']
    backbone = [k for k in original if k.startswith('backbone.')]
    recomputed = {'decode_head.fuse.bn.running_mean', 'decode_head.prototypes'}
    # cls_head.0.bias is folded into the BN's running mean; the mlp2 duplicates are dropped.
    assert set(ours) == set(backbone) | set(HEAD_RENAMES.values()) | recomputed
    assert len(original) == len(ours) + len(DUPLICATES) + 1
    assert all(torch.equal(ours[k], original[k]) for k in backbone)
    assert all(torch.equal(ours[new], original[old]) for old, new in HEAD_RENAMES.items())
    assert torch.allclose(ours['decode_head.fuse.bn.running_mean'],
                          original['cls_head.1.0.running_mean'] - original['cls_head.0.bias'])
    prototypes = ours['decode_head.prototypes']
    assert torch.allclose(prototypes.norm(dim=-1), torch.ones(CLASSES, PROTOTYPES))
    assert torch.allclose(prototypes * original['prototypes'].norm(dim=-1, keepdim=True),
                          original['prototypes'], atol=1e-6)
    assert converted['meta'] == dict(converted_from=osp.abspath(released['path']))
    _small_model(ours)  # strict


def test_only_the_duplicates_are_dropped(released):
    _, dropped = convert_protoseg_original(released['state'])
    assert sorted(dropped) == sorted(DUPLICATES)


def test_unknown_key_is_refused_in_one_line_naming_it(released):
    state = dict(released['state'], **{'aux_head.0.weight': torch.zeros(3)})
    with pytest.raises(InputError) as err:
        convert_protoseg_original(state)
    assert 'aux_head.0.weight' in str(err.value) and '\n' not in str(err.value)


def test_duplicate_that_differs_from_the_projection_is_refused(released):
    state = dict(released['state'])
    state['proj_head.mlp2.2.bias'] = state['proj_head.mlp2.2.bias'] + 1e-3
    with pytest.raises(InputError) as err:
        convert_protoseg_original(state)
    message = str(err.value)
    assert 'proj_head.mlp2.2.bias' in message and '\n' not in message
    assert 'proj_head.mlp2.0.weight' not in message  # only the differing one is named


def test_tool_refuses_an_existing_destination_without_overwrite(released, tmp_path):
    dst = tmp_path / 'protoseg.pth'
    dst.write_bytes(b'keep me')
    assert _run_tool(released['path'], str(dst)) == \
        f'protoseg_original_to_gss: {dst}: exists; pass --overwrite to replace it'
    assert dst.read_bytes() == b'keep me'
    assert _run_tool(released['path'], str(dst), '--overwrite') is None
    assert 'decode_head.prototypes' in torch.load(dst, weights_only=True)['state_dict']


@pytest.mark.slow
def test_tool_runs_as_a_command(released, converted, tmp_path, cpu_env):
    dst = tmp_path / 'protoseg.pth'
    done = subprocess.run([sys.executable, TOOL, released['path'], str(dst)], cwd=REPO_ROOT,
                          env=cpu_env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == f'wrote {dst}: {len(converted["state_dict"])} tensors ' \
                                  f'(4 duplicates of proj_head.proj left out)'
    written = torch.load(dst, weights_only=True)['state_dict']
    assert all(torch.equal(written[k], v) for k, v in converted['state_dict'].items())


# ---------------------------------------------------------------- the converted model's outputs
def test_openseg_hrnet_fuses_as_openseg_unlike_mmseg_hrnet(released, converted):
    backbone = _small_model(converted['state_dict']).backbone
    reference_net = _mmseg_hrnet(released['state'])
    x = torch.randn(1, 3, *IMAGE_HW, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ours, reference, mmseg = backbone(x), _openseg_hrnet(reference_net, x), reference_net(x)
    assert [o.shape[1] for o in ours] == list(BRANCH_CHANNELS)
    for level, (a, b) in enumerate(zip(ours, reference)):
        assert torch.allclose(a, b, atol=1e-5), (level, (a - b).abs().max())
    # Same weights, mmseg's fusion: the high-resolution output is visibly different.
    assert (mmseg[0] - reference[0]).abs().max() > 1e-2


def test_converted_head_computes_the_released_head(released, converted):
    head = _small_model(converted['state_dict']).decode_head
    gen = torch.Generator().manual_seed(2)
    h, w = IMAGE_HW[0] // 4, IMAGE_HW[1] // 4
    feats = [torch.randn(1, c, h >> i, w >> i, generator=gen) * 2
             for i, c in enumerate(BRANCH_CHANNELS)]
    with torch.no_grad():
        ours, reference = head(feats), _released_head(released['state'], feats)
        head.projection_l2_axis = 'channels'  # the paper's normalisation: other logits
        per_pixel = head(feats)
    assert ours.shape == (1, CLASSES, h, w)
    # 1e-4: float32 sums in another order (thread count, load) moved it by 2.3e-5 once; the
    # other normalisation below differs by more than 1e-3.
    assert torch.allclose(ours, reference, atol=1e-4), (ours - reference).abs().max()
    assert (per_pixel - reference).abs().max() > 1e-3


def test_converted_model_predicts_as_the_released_one_from_bgr_images(released, converted):
    model = _small_model(converted['state_dict'])
    gen = torch.Generator().manual_seed(3)
    bgr = torch.randint(0, 256, (3, *IMAGE_HW), generator=gen, dtype=torch.uint8)
    sample = SegDataSample(metainfo=dict(img_shape=IMAGE_HW, ori_shape=IMAGE_HW,
                                         pad_shape=IMAGE_HW))
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, *IMAGE_HW, dtype=torch.long))
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=[bgr], data_samples=[sample]), False)
        ours = model.predict(data['inputs'], data['data_samples'])[0].seg_logits.data
        # openseg: BGR kept, each channel normalised with the RGB-ordered statistics.
        x = (bgr[None].float() / 255 - torch.tensor(OPENSEG_MEAN)[:, None, None]) \
            / torch.tensor(OPENSEG_STD)[:, None, None]
        features = _openseg_hrnet(_mmseg_hrnet(released['state']), x)
        logits = _released_head(released['state'], features)
        reference = F.interpolate(logits, size=IMAGE_HW, mode='bilinear', align_corners=True)[0]
    assert torch.allclose(ours, reference, atol=1e-4), (ours - reference).abs().max()


# ---------------------------------------------------------------- the released config
@pytest.fixture(scope='module')
def released_config_model():
    cfg = Config.fromfile(RELEASED_CONFIG)
    cfg.model.backbone.init_cfg = None  # no ImageNet weight file needed to build
    return cfg, MODELS.build(cfg.model)


def test_released_config_builds_the_released_model(released_config_model):
    cfg, model = released_config_model
    assert isinstance(model.backbone, OpenSegHRNet)
    hr_modules = [m for m in model.backbone.modules() if isinstance(m, HRModule)]
    assert len(hr_modules) == 8 and all(type(m) is OpenSegHRModule for m in hr_modules)
    assert model.decode_head.projection_l2_axis == 'width'
    assert cfg.model.data_preprocessor.bgr_to_rgb is False
    assert cfg.model.test_cfg.mode == 'whole'
    assert dict(type='Resize', scale=(2048, 1024), keep_ratio=True) in cfg.test_pipeline


def test_full_size_released_layout_fits_the_released_config(released_config_model):
    _, model = released_config_model
    # Backbone entries on the meta device (shapes only); the head's real, as the duplicate
    # check compares values. Shapes from HRNet_W48_Proto (19 classes, 10 prototypes, 720).
    original = {k: torch.empty(v.shape, dtype=v.dtype, device='meta')
                for k, v in model.state_dict().items() if k.startswith('backbone.')}
    head = {'prototypes': (19, 10, 720), 'cls_head.0.weight': (720, 720, 3, 3),
            'cls_head.0.bias': (720, ), 'feat_norm.weight': (720, ), 'feat_norm.bias': (720, ),
            'mask_norm.weight': (19, ), 'mask_norm.bias': (19, )}
    head.update({f'cls_head.1.0.{k}': (720, )
                 for k in ('weight', 'bias', 'running_mean', 'running_var')})
    head.update({f'proj_head.{name}.{i}.{p}': (720, 720, 1, 1) if p == 'weight' else (720, )
                 for name in ('proj', 'mlp2') for i in (0, 2) for p in ('weight', 'bias')})
    original.update({k: torch.ones(shape) for k, shape in head.items()})
    original['cls_head.1.0.num_batches_tracked'] = torch.tensor(80000)
    assert len(original) == 1850  # as HRNet_W48_Proto's state_dict()
    ours, _ = convert_protoseg_original(original)
    fit = weights_fit(model, ours)
    assert fit.exact, fit.summary()


def test_head_rejects_an_unknown_projection_l2_axis():
    with pytest.raises(ValueError, match="projection_l2_axis must be 'channels' or 'width'"):
        MODELS.build(dict(type='ProtoSegHead', in_channels=[4, 8], in_index=[0, 1], channels=12,
                          embed_dim=12, num_classes=CLASSES, num_prototypes=PROTOTYPES,
                          norm_cfg=BN, projection_l2_axis='height'))
