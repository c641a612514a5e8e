"""gss_original_to_gss: the original GSS's released checkpoints (their key names, shapes and
layout, from ../shared/specs/original_gss_checkpoints) load strictly into our configs, every
tensor is used, the carried DALL-E dVAE becomes our DALL-E checkpoint, and renaming changes no
output."""
import functools
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from gss.checkpoints import weights_fit
from gss.converters import convert_gss_original, dalle_checkpoint
from gss.converters.gss_original import DVAE_PREFIX, HEAD_NAMES, PIXEL_BRANCH
from gss.errors import InputError
from tests.conftest import REPO_ROOT

SPECS = osp.join(REPO_ROOT, '..', 'shared', 'specs', 'original_gss_checkpoints')
# A VQ-VAE with DALL-E's 8192 codes that needs no file: the tokenizer is not in the state dict.
VOCAB_8192 = dict(type='MaskigeVQVAE', hidden_channels=8, num_blocks=1, fsq_levels=(8, 8, 8, 4, 4))
RELEASED = [  # spec file, our config
    ('gss_ff_r101_cityscapes_with_dtype.json',
     'configs/gss/cityscapes/gss-ff_r101-d8_80k_cityscapes-768x768.py'),
    ('gss_ftw_swinl_ade20k_with_dtype.json',
     'configs/gss/ade20k/gss-ftw_swin-l_160k-40k_ade20k-512x512.py'),
    ('gss_ftw_swinl_ade20k_merged_with_dtype.json',
     'configs/gss/ade20k/gss-ftw_swin-l_160k-40k_ade20k-512x512.py'),
]


def _original_layout(spec: str) -> dict:
    """Tensors (on the meta device: shapes and dtypes, no memory) named as in the released
    file."""
    with open(osp.join(SPECS, spec)) as f:
        rows = json.load(f)
    return {key: torch.empty(shape, dtype=getattr(torch, dtype), device='meta')
            for key, shape, dtype in rows}


@functools.lru_cache(maxsize=1)
def _model(config: str) -> torch.nn.Module:
    """Our model of ``config`` (randomly initialised; mmseg's Swin cannot be built on the meta
    device, so this takes a few seconds and up to 1 GB for Swin-L)."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    cfg.model.decode_head.vqvae = VOCAB_8192
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('spec, config', RELEASED, ids=[s.split('_with')[0] for s, _ in RELEASED])
def test_released_checkpoints_load_strictly_into_our_configs(spec, config):
    if not osp.isdir(SPECS):
        pytest.skip('../shared/specs is not beside the repository')
    original = _original_layout(spec)
    ours, dvae, dropped = convert_gss_original(original)
    assert len(ours) + len(dvae) + len(dropped) == len(original)  # every tensor accounted for
    assert len(dvae) == 150  # 74 encoder + 76 decoder tensors
    assert bool(dropped) == spec.startswith('gss_ftw_swinl_ade20k_merged')
    assert all(any(k.startswith('decode_head.' + p) for p in PIXEL_BRANCH) for k in dropped)
    fit = weights_fit(_model(config), ours)
    assert fit.exact, fit.summary()
    arch = dalle_checkpoint(dvae)['arch']
    assert arch['encoder'] == dict(group_count=4, n_hid=256, n_blk_per_group=2, input_channels=3,
                                   vocab_size=8192)
    assert arch['decoder'] == dict(group_count=4, n_init=128, n_hid=256, n_blk_per_group=2,
                                   output_channels=3, vocab_size=8192)


def _small_head(head_type='GSSFFHead'):
    cfg = dict(type=head_type, in_channels=[16, 8, 24, 32], in_index=[1, 0, 2, 3], channels=16,
               num_classes=4, palette=[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0],
                                       [0, 0, 0]],
               token_channels=16, token_classifier_channels=32, swin_num_heads=2,
               norm_cfg=dict(type='BN'), vqvae=dict(type='MaskigeVQVAE', hidden_channels=8,
                                                    num_blocks=1, fsq_levels=(4, 4, 2)))
    if head_type == 'GSSFTWHead':
        cfg.update(inverse_channels=8, inverse_swin_num_heads=2)
    return MODELS.build(cfg).eval()


def _to_original_names(state: dict) -> dict:
    """Our names -> the original's (the inverse of HEAD_NAMES), as the original would save."""
    inverse = {ours: original for original, ours in HEAD_NAMES.items()}
    out = {}
    for key, value in state.items():
        name = key[len('decode_head.'):]
        prefix = max((p for p in inverse if name.startswith(p)), key=len)
        out['decode_head.' + inverse[prefix] + name[len(prefix):]] = value
    return out


@pytest.mark.parametrize('head_type', ['GSSFFHead', 'GSSFTWHead'])
def test_renaming_changes_no_output(head_type):
    torch.manual_seed(0)
    trained = _small_head(head_type)
    for param in trained.state_dict().values():  # non-trivial BN statistics too
        if param.is_floating_point():
            param.uniform_(0.5, 1.5)  # positive: running variances among them
    original = _to_original_names({f'decode_head.{k}': v for k, v in
                                   trained.state_dict().items()})
    ours, _, _ = convert_gss_original(original)
    torch.manual_seed(1)
    fresh = _small_head(head_type)
    fresh.load_state_dict({k[len('decode_head.'):]: v for k, v in ours.items()}, strict=True)
    object.__setattr__(fresh, '_frozen_tokenizer', trained.tokenizer)  # the same VQ-VAE file
    gen = torch.Generator().manual_seed(2)
    features = [torch.randn(1, c, 32 // s, 32 // s, generator=gen)
                for c, s in ((8, 4), (16, 8), (24, 16), (32, 32))]
    expected, got = trained(features), fresh(features)
    for key in expected:
        assert torch.equal(expected[key], got[key]), key


def test_unknown_keys_are_named():
    with pytest.raises(InputError, match=r'^1 keys of no known module: decode_head.aux_conv'
                       r'.weight; is it a GSS checkpoint of the original code'):
        convert_gss_original({'backbone.conv.weight': torch.zeros(1),
                              'decode_head.aux_conv.weight': torch.zeros(1)})


def _released_like_file(path, tmp_path) -> dict:
    """A small checkpoint in the original's layout: a small GSS-FF head and a small dall_e
    dVAE under decode_head.d_vae, with meta and optimizer as mmcv 1.x saves them."""
    dall_e = pytest.importorskip('dall_e')
    torch.manual_seed(0)
    head = _small_head()
    state = _to_original_names({f'decode_head.{k}': v for k, v in head.state_dict().items()})
    encoder, decoder = dall_e.Encoder(n_hid=16, vocab_size=64), \
        dall_e.Decoder(n_init=8, n_hid=16, vocab_size=64)
    for prefix, module in (('encoder.', encoder), ('decoder.', decoder)):
        state.update({DVAE_PREFIX + prefix + k: v for k, v in module.state_dict().items()})
    state['backbone.stem.0.weight'] = torch.randn(4, 3, 3, 3)
    torch.save(dict(meta=dict(CLASSES=('a', 'b', 'c', 'd'), PALETTE=[[1, 2, 3]] * 4, iter=80000),
                    state_dict=state, optimizer=dict(state={}, param_groups=[])), path)
    return dict(encoder=encoder, decoder=decoder, state=state)


@pytest.mark.slow
def test_tool_writes_both_files_and_the_dvae_computes_as_dall_e(tmp_path, cpu_env):
    src = tmp_path / 'released.pth'
    made = _released_like_file(src, tmp_path)
    dst, dalle = tmp_path / 'converted.pth', tmp_path / 'dalle.pth'
    command = [sys.executable, 'tools/model_converters/gss_original_to_gss.py', str(src),
               str(dst), '--dalle-out', str(dalle)]
    first = subprocess.run(command, cwd=REPO_ROOT, env=cpu_env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-2000:]
    converted = torch.load(dst, weights_only=True)
    assert converted['meta']['dataset_meta']['classes'] == ['a', 'b', 'c', 'd']
    assert torch.equal(converted['state_dict']['decode_head.token_classifier.1.weight'],
                       made['state']['decode_head.conv_seg.weight'])
    from gss.maskige.vqvae.dalle import DalleVQVAE, map_pixels

    vqvae = DalleVQVAE(checkpoint=str(dalle))
    maskige = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits = made['encoder'](map_pixels(maskige))
    assert torch.allclose(vqvae.encode_logits(maskige), logits, atol=1e-5)
    again = subprocess.run(command, cwd=REPO_ROOT, env=cpu_env, capture_output=True, text=True)
    assert again.returncode == 1
    assert again.stderr.strip() == f'gss_original_to_gss: {dst}: exists; pass --overwrite to ' \
                                   f'replace it'
    kept = subprocess.run(command + ['--overwrite'], cwd=REPO_ROOT, env=cpu_env,
                          capture_output=True, text=True)
    assert kept.returncode == 0 and f'{dalle} already holds' not in kept.stdout  # rewritten
    other = subprocess.run(command[:3] + [str(tmp_path / 'second.pth'), '--dalle-out',
                                          str(dalle)], cwd=REPO_ROOT, env=cpu_env,
                           capture_output=True, text=True)
    assert other.returncode == 0 and f'{dalle} already holds this DALL-E dVAE; kept' in \
        other.stdout


def test_weights_are_found_under_state_dict_model_or_the_top_level():
    from gss.checkpoints import state_dict_of

    weights = {'module.backbone.w': torch.ones(1)}
    for checkpoint in (dict(state_dict=weights, config_dict={}), dict(model=weights), weights):
        assert list(state_dict_of(checkpoint, 'x.pth')) == ['backbone.w']
    with pytest.raises(InputError, match='x.pth: holds no model weights'):
        state_dict_of(dict(config_dict={}), 'x.pth')


# --------------------------------------------- the command line every converter tool shares
def _converter_run(argv, convert=None):
    """run_converter on ``argv`` with the ProtoSeg parser: (exit message or None, the args
    ``convert`` got or None)."""
    from gss.converters.converted_file import converter_argument_parser, run_converter

    seen = []
    try:
        run_converter(converter_argument_parser('ProtoSeg'), 'some_tool',
                      convert or seen.append, argv)
    except SystemExit as exit_:
        return exit_.code, (seen or [None])[0]
    return None, (seen or [None])[0]


def test_converter_cli_refuses_an_existing_destination_before_converting(tmp_path):
    dst = tmp_path / 'out.pth'
    dst.write_bytes(b'keep')
    message, args = _converter_run(['src.pth', str(dst)])
    assert message == f'some_tool: {dst}: exists; pass --overwrite to replace it'
    assert args is None and dst.read_bytes() == b'keep'
    message, args = _converter_run(['src.pth', str(dst), '--overwrite'])
    assert message is None and (args.src, args.dst, args.overwrite) == ('src.pth', str(dst), True)


def test_converter_cli_reports_bad_input_in_one_line(tmp_path):
    def convert(args):
        raise InputError(f'{args.src}: holds no model weights')

    message, _ = _converter_run(['src.pth', str(tmp_path / 'out.pth')], convert)
    assert message == 'some_tool: src.pth: holds no model weights'


@pytest.mark.parametrize('interval', ['0', '-5'])
def test_gmmseg_converter_refuses_a_non_positive_em_interval_before_reading(
        tmp_path, monkeypatch, interval):
    import importlib.util

    tool_path = osp.join(REPO_ROOT, 'tools', 'model_converters', 'gmmseg_original_to_gss.py')
    spec = importlib.util.spec_from_file_location('gmmseg_original_to_gss', tool_path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(sys, 'argv', [tool_path, str(tmp_path / 'absent.pth'),
                                      str(tmp_path / 'out.pth'), '--em-interval', interval])
    with pytest.raises(SystemExit) as exit_:
        tool.main()
    assert exit_.value.code == f'gmmseg_original_to_gss: --em-interval {interval}: must be a ' \
                               f'positive number of iterations (the run\'s update_GMM_interval; ' \
                               f'released: 5)'
