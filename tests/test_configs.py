"""Every leaf config loads, and the model it describes builds with random weights on CPU and
predicts a mask at a small input size, without any weight file (VQ-VAE files are replaced by
small random ones of the same kind). Palette and weight paths resolve relative to the config
file, not the working directory, and every GSS-FT-W config is its GSS-FF config's network,
frozen, with a learned X^-1, and starts from that run's last checkpoint. Every shipped model
checkpoint loads, key for key, into the model its namesake config builds."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from gss.maskige.vqvae.dalle import write_random_dalle_checkpoint
from gss.maskige.vqvae.maskige_vqvae import MaskigeVQVAE
from gss.models.heads.gss_ftw_head import GSS_FF_ONLY_OPTIONS, PIXEL_BRANCH_OPTIONS

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
LEAF_CONFIGS = sorted(p for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'),
                                           recursive=True) if '_base_' not in p)


@pytest.fixture(scope='module')
def random_vqvae_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp('vqvae')
    torch.manual_seed(0)
    maskige = str(folder / 'maskige.pth')
    torch.save(MaskigeVQVAE(hidden_channels=16, num_blocks=1, fsq_levels=(4, 4)).checkpoint_dict(),
               maskige)
    dalle = write_random_dalle_checkpoint(
        str(folder / 'dalle.pth'), dict(n_hid=8, n_blk_per_group=1, vocab_size=32),
        dict(n_init=8, n_hid=8, n_blk_per_group=1, vocab_size=32))
    return dict(MaskigeVQVAE=maskige, DalleVQVAE=dalle)


def _replace_vqvae_files(node, files):
    if isinstance(node, dict):
        if node.get('type') in files and 'checkpoint' in node:
            node['checkpoint'] = files[node['type']]
        for value in node.values():
            _replace_vqvae_files(value, files)


def test_every_dataset_and_backbone_of_the_papers_has_configs():
    names = {osp.relpath(p, osp.join(REPO_ROOT, 'configs')) for p in LEAF_CONFIGS}
    for expected in ('gss/cityscapes/gss-ff_r101-d8', 'gss/cityscapes/gss-ftw_r101-d8',
                     'gss/cityscapes/gss-ff_swin-l', 'gss/cityscapes/gss-ftw_swin-l',
                     'gss/ade20k/gss-ff_swin-l', 'gss/ade20k/gss-ftw_swin-l',
                     'gss/mseg/gss-ff_hrnet-w48', 'gss/mseg/gss-ftw_hrnet-w48',
                     'gss/mseg/gss-ff_swin-l', 'gss/mseg/gss-ftw_swin-l',
                     'gss/camvid/gss-ff_effnet-lite0', 'gss/camvid/gss-ftw_effnet-lite0',
                     'gss/toy/gss-ff_effnet-lite0', 'gss/toy/gss-ftw_effnet-lite0',
                     # the peers with the originals' backbones, and on the CPU datasets
                     'gmmseg/gmmseg_mit-b5_80k_cityscapes', 'gmmseg/gmmseg_mit-b5_160k_ade20k',
                     'protoseg/protoseg_hrnet-w48_80k_cityscapes',
                     'protoseg/protoseg_hrnet-w48_160k_ade20k',
                     'gmmseg/gmmseg_effnet-lite0_1k_toy', 'gmmseg/gmmseg_effnet-lite0_800_camvid',
                     'protoseg/protoseg_effnet-lite0_1k_toy',
                     'protoseg/protoseg_effnet-lite0_800_camvid'):
        assert any(n.startswith(expected) for n in names), expected


@pytest.mark.parametrize('path', LEAF_CONFIGS, ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_config_builds_model_that_segments(path, random_vqvae_files):
    from mmseg.registry import MODELS

    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmseg' and 'gss' in cfg.custom_imports['imports']
    _replace_vqvae_files(cfg.model, random_vqvae_files)
    model = MODELS.build(cfg.model).eval()
    num_classes = cfg.model.get('num_classes') or cfg.model.decode_head.num_classes
    shape = (64, 96)
    sample = SegDataSample(metainfo=dict(img_shape=shape, ori_shape=shape, pad_shape=shape))
    sample.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1,) + shape))
    with torch.no_grad():
        out = model.predict(torch.randn(1, 3, *shape), [sample])[0]
    assert out.pred_sem_seg.data.shape == (1,) + shape
    assert out.seg_logits.data.shape == (num_classes,) + shape
    assert 0 <= out.pred_sem_seg.data.min() and out.pred_sem_seg.data.max() < num_classes


def _paths(node, key=''):
    """(key, value) of every palette and checkpoint path in a config tree."""
    if isinstance(node, dict):
        for k, value in node.items():
            if k in ('palette', 'checkpoint') and isinstance(value, str):
                yield f'{key}.{k}', value
            else:
                yield from _paths(value, f'{key}.{k}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _paths(value, f'{key}[{i}]')


@pytest.mark.parametrize('path', LEAF_CONFIGS, ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_config_paths_do_not_depend_on_the_working_directory(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(path)
    found = list(_paths(cfg.model))
    if 'gss/' in osp.relpath(path, REPO_ROOT):
        assert found, 'a GSS config names its palette and VQ-VAE'
    for key, value in found:
        assert osp.isabs(value), (key, value)
        folder = 'configs/_base_/palettes' if key.endswith('palette') else 'checkpoints'
        assert osp.dirname(osp.normpath(value)) == osp.join(REPO_ROOT, folder), (key, value)
        if key.endswith('palette') or 'maskige_vqvae_' in value:  # shipped with the repository
            assert osp.isfile(value), (key, value)


SHIPPED_MODELS = sorted(glob.glob(osp.join(REPO_ROOT, 'checkpoints', '*', '*.pth')))


@pytest.mark.parametrize('path', SHIPPED_MODELS, ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_shipped_checkpoint_loads_strictly_into_the_model_of_its_config(path):
    """The documented `tools/test.py CONFIG CHECKPOINT` pairs a checkpoint with the config of the
    same name: a renamed config, a changed head or a stale export must fail here, not there."""
    from gss.apis import init_model
    name = osp.splitext(osp.basename(path))[0]
    configs = [p for p in LEAF_CONFIGS if osp.splitext(osp.basename(p))[0] == name]
    assert len(configs) == 1, f'{path}: no config (or several) named {name}.py'
    assert osp.getsize(path) < 25e6, f'{path}: shipped checkpoints stay under 25 MB'
    state = torch.load(path, map_location='cpu', weights_only=True)  # a plain state dict
    assert {v.dtype for v in state.values() if v.is_floating_point()} == {torch.float16}
    init_model(configs[0], path, device='cpu')  # strict: raises on a missing or extra weight


FTW_CONFIGS = [p for p in LEAF_CONFIGS if osp.basename(p).startswith('gss-ftw_')]


def _ff_config_of(ftw_path: str) -> str:
    """gss-ftw_NET_FF-FTW_DATA[_VARIANT].py -> gss-ff_NET_FF_DATA[_VARIANT].py, beside it."""
    fields = osp.basename(ftw_path).split('_')
    fields[0], fields[2] = 'gss-ff', fields[2].split('-')[0]
    return osp.join(osp.dirname(ftw_path), '_'.join(fields))


@pytest.mark.parametrize('path', FTW_CONFIGS, ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_ftw_config_is_its_ff_network_frozen_with_a_learned_x_inverse(path):
    ff_path = _ff_config_of(path)
    ff, ftw = Config.fromfile(ff_path), Config.fromfile(path)
    # tools/train.py's default work_dir is work_dirs/<config name>; mmengine's CheckpointHook
    # writes iter_<max_iters>.pth at the end of the run.
    ff_name = osp.splitext(osp.basename(ff_path))[0]
    assert ftw.load_from == f'work_dirs/{ff_name}/iter_{ff.train_cfg.max_iters}.pth'

    # The same network, backbone and tokenizer as the GSS-FF config; FT-W freezes the image
    # network and changes the head, which takes none of GSS-FF's training options.
    ff_model, ftw_model = ff.model.to_dict(), ftw.model.to_dict()
    assert ftw_model.pop('freeze_image_network') is True
    ff_head, ftw_head = ff_model.pop('decode_head'), ftw_model.pop('decode_head')
    assert ftw_model == ff_model
    assert (ff_head['type'], ftw_head['type']) == ('GSSFFHead', 'GSSFTWHead')
    # The pixel branch: FT-W builds it only to mix it in (pixel_score_weight), and then as
    # its GSS-FF's, whose checkpoint holds its weights.
    ftw_own = ('type', 'inverse_mode', 'loss_decode', 'pixel_score_weight') + PIXEL_BRANCH_OPTIONS
    ff_own = ('type', 'loss_decode', 'pixel_score_weight') + GSS_FF_ONLY_OPTIONS + \
        PIXEL_BRANCH_OPTIONS
    shared = {k: v for k, v in ftw_head.items()
              if k not in ftw_own and not k.startswith('inverse_')}
    assert shared == {k: v for k, v in ff_head.items() if k not in ff_own}
    if ftw_head.get('pixel_score_weight'):
        assert {k: ftw_head.get(k) for k in PIXEL_BRANCH_OPTIONS} == \
            {k: ff_head.get(k) for k in PIXEL_BRANCH_OPTIONS}
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator'):
        if key in ff:
            ff_value = dict(ff[key].to_dict(), batch_size=ftw[key].batch_size) \
                if key == 'train_dataloader' else ff[key].to_dict()
            assert ftw[key].to_dict() == ff_value, key
