"""GSS-FF / GSS-FT-W heads: targets, losses, inference, what is frozen (one rule, in the
segmentor) and what is saved."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from gss.errors import InputError
from gss.maskige.vqvae import MaskigeVQVAE

PALETTE = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 0, 0]]
IN_CHANNELS = [16, 8, 24, 32]


def _head_cfg(**extra):
    cfg = dict(type='GSSFFHead', in_channels=IN_CHANNELS, in_index=[1, 0, 2, 3], channels=16,
               num_classes=4, palette=PALETTE, token_channels=16, token_classifier_channels=32,
               swin_num_heads=2, norm_cfg=dict(type='BN'),
               vqvae=dict(type='MaskigeVQVAE', hidden_channels=8, num_blocks=1,
                          fsq_levels=(4, 4, 2)))
    cfg.update(extra)
    return cfg


def _features(batch=2, size=32):
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(batch, 8, size // 4, size // 4, generator=gen),
            torch.randn(batch, 16, size // 8, size // 8, generator=gen),
            torch.randn(batch, 24, size // 16, size // 16, generator=gen),
            torch.randn(batch, 32, size // 32, size // 32, generator=gen)]


def _samples(batch=2, size=32, ignore_rows=0):
    samples = []
    for i in range(batch):
        mask = torch.randint(0, 4, (1, size, size), generator=torch.Generator().manual_seed(i))
        mask[:, :ignore_rows] = 255
        sample = SegDataSample(metainfo=dict(img_shape=(size, size), pad_shape=(size, size)))
        sample.gt_sem_seg = PixelData(data=mask)
        samples.append(sample)
    return samples


def test_token_grid_is_a_quarter_of_the_crop_and_vqvae_is_not_a_parameter():
    torch.manual_seed(0)
    head = MODELS.build(_head_cfg())
    out = head(_features())
    assert out['token_logits'].shape == (2, 32, 8, 8)  # vocab 32, grid 32 / 4
    assert out['pixel_logits'].shape == (2, 4, 8, 8)
    assert not any('vqvae' in k or 'tokenizer' in k for k in head.state_dict())
    vqvae = head.tokenizer.vqvae
    assert not {id(p) for p in vqvae.parameters()} & {id(p) for p in head.parameters()}
    head.double()
    assert next(vqvae.parameters()).dtype == torch.float64  # moves with the head
    head.train()
    assert not vqvae.training


@pytest.mark.parametrize('align_corners', [False, True])
def test_fill_guess_at_ignore_pixels_equals_the_full_bilinear_map(align_corners):
    from gss.maskige.tokenizer import bilinear_argmax_at

    gen = torch.Generator().manual_seed(0)
    for size, full in (((45, 60), (360, 480)), ((7, 5), (64, 40)), ((1, 3), (8, 9))):
        logits = torch.randn(3, 11, *size, generator=gen)
        where = torch.rand(3, *full, generator=gen) < 0.1
        where[1] = False  # a sample without ignore pixels between two with
        expected = F.interpolate(logits, full, mode='bilinear',
                                 align_corners=align_corners).argmax(1)[where]
        assert torch.equal(bilinear_argmax_at(logits, where, align_corners), expected)
    nothing = torch.zeros(2, 8, 8, dtype=torch.bool)
    assert bilinear_argmax_at(torch.randn(2, 4, 2, 2), nothing).numel() == 0


def test_targets_fill_ignore_with_the_pixel_branch_and_ignore_touched_cells():
    torch.manual_seed(0)
    head = MODELS.build(_head_cfg())
    seen = {}
    vqvae = head.tokenizer.vqvae
    encode = vqvae.encode

    def spy(maskige):
        seen['maskige'] = maskige
        return encode(maskige)

    vqvae.encode = spy
    gt = torch.stack([s.gt_sem_seg.data[0] for s in _samples(ignore_rows=5)])
    pixel_logits = torch.zeros(2, 4, 8, 8)
    pixel_logits[:, 2] = 1.0  # the pixel branch says class 2 everywhere
    tokens = head.tokenizer.target_tokens(gt, (8, 8), pixel_logits)
    maskige = seen['maskige']
    assert maskige.shape == (2, 3, 64, 64)  # 2x the 32 x 32 crop
    blue = torch.tensor([0.0, 0.0, 1.0]).view(1, 3, 1)
    assert torch.equal(maskige[:, :, :10].flatten(2), blue.expand(2, 3, 10 * 64))
    # rows 0-4 of the mask are ignore: 2x -> rows 0-9 -> token rows 0 and 1 are ignored
    assert (tokens[:, :2] == vqvae.vocab_size).all()
    assert (tokens[:, 2:] < vqvae.vocab_size).all()
    assert torch.equal(tokens[:, 2:], encode(maskige)[:, 2:])


def test_losses_weights_and_gradients():
    torch.manual_seed(0)
    head = MODELS.build(_head_cfg())
    losses = head.loss_by_feat(head(_features()), _samples(ignore_rows=3))
    assert set(losses) == {'loss_token', 'acc_token', 'loss_pixel', 'acc_pixel'}
    assert losses['loss_pixel'].item() == pytest.approx(0.2 * 1.386, abs=0.15)  # ~0.2 ln 4
    (losses['loss_token'] + losses['loss_pixel']).backward()
    assert head.token_classifier[1].weight.grad.abs().sum() > 0
    assert head.conv_seg.weight.grad.abs().sum() > 0


def test_inference_gives_votes_that_sum_to_one_at_the_input_size():
    torch.manual_seed(0)
    head = MODELS.build(_head_cfg()).eval()
    metas = [dict(img_shape=(32, 32), pad_shape=(32, 32))] * 2
    scores = head.predict(_features(), metas, None)
    assert scores.shape == (2, 4, 32, 32)
    assert torch.allclose(scores.sum(1), torch.ones(2, 32, 32), atol=1e-5)
    maskige = head.generate_maskige(head(_features()))
    votes = head.tokenizer.class_votes(maskige)
    expected = torch.nn.functional.avg_pool2d(votes, 2)
    assert torch.allclose(scores, expected, atol=1e-5)


@pytest.mark.parametrize('weight', [0.25, 0.75, 1.0])
def test_pixel_score_weight_mixes_the_pixel_branch_probabilities_into_the_votes(weight):
    torch.manual_seed(0)
    head = MODELS.build(_head_cfg(pixel_score_weight=weight)).eval()
    metas = [dict(img_shape=(32, 32), pad_shape=(32, 32))] * 2
    with torch.no_grad():
        mixed = head.predict(_features(), metas, None)
        out = head(_features())
        votes = F.avg_pool2d(head.tokenizer.class_votes(head.generate_maskige(out)), 2)
        pixel = F.interpolate(out['pixel_logits'], size=(64, 64), mode='bilinear')
        pixel = F.avg_pool2d(pixel.softmax(1), 2)  # the 2x maskige's size, then resized
    assert torch.allclose(mixed, (1 - weight) * votes + weight * pixel, atol=1e-5)
    assert torch.allclose(mixed.sum(1), torch.ones(2, 32, 32), atol=1e-5)
    with pytest.raises(InputError, match='pixel_score_weight must lie in'):
        MODELS.build(_head_cfg(pixel_score_weight=1.5))


def test_token_samples_average_the_votes_of_drawn_token_maps_and_repeat():
    torch.manual_seed(0)
    head = MODELS.build(_head_cfg(token_samples=3)).eval()
    metas = [dict(img_shape=(32, 32), pad_shape=(32, 32))] * 2
    with torch.no_grad():
        first, second = (head.predict(_features(), metas, None) for _ in range(2))
        out = head(_features())
        generator = torch.Generator().manual_seed(0)
        drawn = [head.tokenizer.class_votes(head.tokenizer.decode(
            head.predictor.sample_tokens(out['token_logits'], generator))) for _ in range(3)]
    assert torch.equal(first, second)  # a fixed seed: inference repeats
    assert torch.allclose(first, F.avg_pool2d(sum(drawn) / 3, 2), atol=1e-5)
    assert torch.allclose(first.sum(1), torch.ones(2, 32, 32), atol=1e-5)
    with pytest.raises(InputError, match='token_samples must be >= 0'):
        MODELS.build(_head_cfg(token_samples=-1))


def test_single_fusion_variant_shares_the_token_fusion():
    head = MODELS.build(_head_cfg(single_fusion=True))
    assert head.pixel_fusion is None and head.conv_seg.in_channels == 16
    assert head(_features())['pixel_logits'].shape == (2, 4, 8, 8)


def test_pixel_channels_narrow_only_the_pixel_branch():
    narrow = MODELS.build(_head_cfg(pixel_channels=8))
    plain = MODELS.build(_head_cfg())
    assert [m.conv.out_channels for m in narrow.pixel_fusion.lateral] == [8] * 4
    assert narrow.pixel_fusion.fuse.conv.in_channels == 32
    assert narrow.conv_seg.in_channels == 8 and narrow.pixel_fusion.fuse.conv.out_channels == 8
    token_shapes = {k: v.shape for k, v in plain.state_dict().items() if 'token_' in k}
    assert token_shapes == {k: v.shape for k, v in narrow.state_dict().items() if 'token_' in k}
    assert narrow(_features())['pixel_logits'].shape == (2, 4, 8, 8)
    with pytest.raises(InputError, match='pixel_channels'):
        MODELS.build(_head_cfg(pixel_channels=8, single_fusion=True))


def _segmentor(head_type='GSSFTWHead', head_options=None, **extra):
    head = _head_cfg(type=head_type, in_channels=[16, 8, 32, 64], **(head_options or {}))
    if head_type == 'GSSFTWHead':
        head.update(inverse_channels=8, inverse_swin_num_heads=2)
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='GSSEncoderDecoder',
        backbone=dict(type='ResNetV1c', depth=18, base_channels=8, stem_channels=8,
                      out_indices=(0, 1, 2, 3), norm_cfg=dict(type='BN')),
        decode_head=head, **extra))


def test_ftw_segmentor_trains_only_the_learned_inverse():
    model = _segmentor(freeze_image_network=True)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith('decode_head.learned_inverse.') for n in trainable)
    model.train()
    head = model.decode_head
    assert not model.backbone.training and not head.token_fusion.training
    assert not head.token_classifier.training and head.learned_inverse.training
    losses = model.loss(torch.randn(2, 3, 32, 32), _samples())
    assert {'decode.loss_inverse', 'decode.acc_inverse'} <= set(losses)
    losses['decode.loss_inverse'].backward()
    assert head.learned_inverse.classifier.weight.grad.abs().sum() > 0
    assert head.token_classifier[1].weight.grad is None
    assert all(p.grad is None for p in model.backbone.parameters())
    out = head(_features_for(model))
    assert out['inverse_logits'].shape == (2, 4, 64, 64)
    scores = head.eval().predict(_features_for(model), [dict(img_shape=(32, 32))] * 2, None)
    assert scores.shape == (2, 4, 32, 32)


def test_ftw_can_learn_from_drawn_token_maps_and_infers_from_the_most_likely():
    model = _segmentor(freeze_image_network=True,
                       head_options=dict(sample_training_tokens=True)).train()
    head = model.decode_head
    features = _features_for(model)
    torch.manual_seed(3)
    trained_on = head(features)['maskige']
    with torch.no_grad():
        logits = head.token_logits(head._transform_inputs(features))[0]
        torch.manual_seed(3)
        drawn = head.tokenizer.decode(head.predictor.sample_tokens(logits))
        likeliest = head.tokenizer.decode(head.predictor.predict_tokens(logits))
    assert torch.equal(trained_on, drawn)
    assert not torch.equal(drawn, likeliest)  # untrained logits: the draw differs somewhere
    assert torch.equal(head.eval()(features)['maskige'], likeliest)
    plain = _segmentor(freeze_image_network=True).train().decode_head
    assert torch.equal(plain(features)['maskige'], plain.tokenizer.decode(
        plain.predictor.predict_tokens(plain.token_logits(plain._transform_inputs(features))[0])))


def _features_for(model):
    return model.extract_feat(torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1)))


def test_the_freezing_rule_is_refused_when_it_does_not_fit_the_head():

    with pytest.raises(InputError, match='decode_head GSSFTWHead learns only X\\^-1 on a frozen '
                       'GSS-FF network: set model.freeze_image_network=True'):
        _segmentor()
    with pytest.raises(InputError, match='would leave nothing to learn: decode_head GSSFFHead'):
        _segmentor('GSSFFHead', freeze_image_network=True)
    head = MODELS.build(_head_cfg(type='GSSFTWHead', inverse_channels=8, inverse_swin_num_heads=2))
    with pytest.raises(InputError, match="build it in model.type='GSSEncoderDecoder'"):
        head.loss(_features(), _samples(), None)  # a plain EncoderDecoder would train it all


def test_losses_are_configured_by_name():
    losses = {}
    for name, extra in (('default', {}), ('custom', dict(loss_decode=[
            dict(type='TokenCrossEntropyLoss', loss_name='loss_token', loss_weight=0.0),
            dict(type='CrossEntropyLoss', loss_name='loss_pixel', loss_weight=2.0,
                 avg_non_ignore=True)]))):
        torch.manual_seed(0)
        head = MODELS.build(_head_cfg(**extra))
        losses[name] = head.loss_by_feat(head(_features()), _samples(ignore_rows=3))
    assert losses['custom']['loss_token'].item() == 0.0
    assert losses['custom']['loss_pixel'].item() == pytest.approx(
        10 * losses['default']['loss_pixel'].item(), rel=1e-6)  # 2.0 instead of 0.2
    with pytest.raises(InputError, match='loss_decode must name the losses loss_token, '
                       'loss_pixel'):
        MODELS.build(_head_cfg(loss_decode=dict(type='CrossEntropyLoss')))


def test_slide_inference_through_the_segmentor():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='GSSEncoderDecoder',
        backbone=dict(type='ResNetV1c', depth=18, base_channels=8, stem_channels=8,
                      out_indices=(0, 1, 2, 3), norm_cfg=dict(type='BN')),
        decode_head=_head_cfg(in_channels=[16, 8, 32, 64]),
        test_cfg=ConfigDict(mode='slide', crop_size=(32, 32), stride=(24, 24)))).eval()
    sample = SegDataSample(metainfo=dict(img_shape=(48, 80), ori_shape=(48, 80),
                                         pad_shape=(48, 80)))
    out = model.predict(torch.randn(1, 3, 48, 80), [sample])[0]
    assert out.seg_logits.data.shape == (4, 48, 80)
    assert torch.allclose(out.seg_logits.data.sum(0), torch.ones(48, 80), atol=1e-5)


def test_maskige_vqvae_vocabulary_sets_the_classifier():
    torch.manual_seed(0)
    head = MODELS.build(_head_cfg())
    assert head.token_classifier[1].out_channels == MaskigeVQVAE(
        hidden_channels=8, num_blocks=1, fsq_levels=(4, 4, 2)).vocab_size


def test_residual_inverse_starts_at_gss_ff_and_learns_a_correction():
    """The residual X^-1 predicts GSS-FF's nearest colour before training (after the model's
    own init_weights), and its correction receives gradients."""
    cfg = _head_cfg(type='GSSFTWHead', in_channels=[16, 8, 32, 64], inverse_channels=8,
                    inverse_swin_num_heads=2, inverse_mode='residual')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='GSSEncoderDecoder', freeze_image_network=True,
        backbone=dict(type='ResNetV1c', depth=18, base_channels=8, stem_channels=8,
                      out_indices=(0, 1, 2, 3), norm_cfg=dict(type='BN')),
        decode_head=cfg))
    model.init_weights()
    head = model.decode_head.eval()
    out = head(_features_for(model))
    nearest = head.tokenizer.maskige.to_mask(out['maskige'])
    assert torch.equal(out['inverse_logits'].argmax(1), nearest)
    # Before training the correction is exactly zero: the logits are the colour scores.
    assert torch.allclose(out['inverse_logits'],
                          head.learned_inverse.base_scores(out['maskige']), atol=1e-6)
    model.train()
    losses = model.loss(torch.randn(2, 3, 32, 32), _samples())
    losses['decode.loss_inverse'].backward()
    inverse = head.learned_inverse
    assert inverse.classifier.weight.grad.abs().sum() > 0
    assert inverse.log_base_scale.grad.abs() > 0
    # The plain form (the released checkpoints' layout) has no extra parameter.
    plain = MODELS.build(_head_cfg(type='GSSFTWHead', inverse_channels=8, inverse_swin_num_heads=2))
    assert not any('log_base_scale' in k for k in plain.state_dict())
    with pytest.raises(ValueError, match="mode must be one of"):
        MODELS.build(_head_cfg(type='GSSFTWHead', inverse_channels=8, inverse_swin_num_heads=2,
                               inverse_mode='nearest'))


@pytest.mark.parametrize('option', [dict(token_class_balance=0.5), dict(token_samples=4)])
def test_ftw_head_refuses_the_training_options_of_gss_ff(option):
    name = next(iter(option))
    with pytest.raises(InputError, match=f'GSSFTWHead: {name} is a GSS-FF training option that '
                                         f'GSS-FT-W does not use; remove it from the FT-W config'):
        MODELS.build(_head_cfg(type='GSSFTWHead', inverse_channels=8, inverse_swin_num_heads=2,
                               **option))


@pytest.mark.parametrize('option', [dict(pixel_channels=64), dict(single_fusion=True),
                                    dict(pixel_channel_index=1)])
def test_ftw_head_refuses_pixel_branch_options_without_the_mix(option):
    name = next(iter(option))
    with pytest.raises(InputError, match=f"GSSFTWHead: {name} describes GSS-FF's pixel branch, "
                                         f'which GSS-FT-W builds only to mix it in'):
        MODELS.build(_head_cfg(type='GSSFTWHead', inverse_channels=8, inverse_swin_num_heads=2,
                               **option))


def test_ftw_mixes_its_frozen_ff_pixel_branch_into_the_learned_inverse_at_inference():
    pixel = dict(pixel_channels=8)
    model = _segmentor(freeze_image_network=True,
                       head_options=dict(pixel_score_weight=0.25, **pixel))
    ff_keys = {k: v.shape for k, v in _segmentor('GSSFFHead', pixel).state_dict().items()
               if k.startswith(('decode_head.pixel_fusion.', 'decode_head.conv_seg.'))}
    ftw_state = model.state_dict()
    assert ff_keys and {k: ftw_state[k].shape for k in ff_keys} == ff_keys  # FF's weights load
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert all(n.startswith('decode_head.learned_inverse.') for n in trainable)
    head = model.decode_head
    assert head.SCORES_ARE_PROBABILITIES
    model.train()
    assert not head.pixel_fusion.training
    assert 'pixel_logits' not in head(_features_for(model))  # training needs only X^-1
    model.eval()
    with torch.no_grad():
        features = _features_for(model)
        out = head(features)
        scores = head.predict(features, [dict(img_shape=(32, 32))] * 2, None)
    mix = 0.75 * out['inverse_logits'].softmax(1) + 0.25 * F.interpolate(
        out['pixel_logits'], size=out['inverse_logits'].shape[2:], mode='bilinear',
        align_corners=False).softmax(1)
    assert torch.allclose(scores, F.interpolate(mix, size=(32, 32), mode='bilinear',
                                                align_corners=False), atol=1e-6)
    assert torch.allclose(scores.sum(1), torch.ones(2, 32, 32), atol=1e-5)
    assert not getattr(_segmentor(freeze_image_network=True).decode_head,
                       'SCORES_ARE_PROBABILITIES', False)
    with pytest.raises(InputError, match='pixel_score_weight must lie in'):
        _segmentor(freeze_image_network=True, head_options=dict(pixel_score_weight=1.5))
