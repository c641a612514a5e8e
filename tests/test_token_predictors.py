"""Token predictors: the paper's flat softmax over the codebook and the factorised one (a
softmax per FSQ channel), their agreement where they must agree, and the token loss of each."""
import pytest
import torch
from mmseg.registry import MODELS

from gss.maskige.vqvae import MaskigeVQVAE
from gss.maskige.vqvae.fsq import indices_to_digits
from gss.models.layers import FactorisedTokenClassifier, TokenClassifier
from gss.models.layers.token_classifier import split_levels
from tests.test_loss_regressions import GSS_HEAD, _build, _gss_inputs, _losses

LEVELS = (4, 4, 2)
TOKEN_LOSS = dict(type='TokenCrossEntropyLoss', loss_name='loss_token', loss_weight=1.0)


def _flat_from_factorised(classifier: FactorisedTokenClassifier, logits: torch.Tensor):
    """Flat logits whose softmax is the product of the channels' softmaxes: logit(code) =
    sum over channels of the channel's logit for the code's level."""
    vocab = torch.arange(32)
    digits = indices_to_digits(vocab.view(1, 32, 1), classifier.levels)[0]  # (D, 32, 1)
    blocks = split_levels(logits, classifier.levels)
    return sum(block[:, digits[d, :, 0]] for d, block in enumerate(blocks))


def test_codes_and_levels_are_fsqs():
    vqvae = MaskigeVQVAE(hidden_channels=8, num_blocks=1, fsq_levels=LEVELS)
    classifier = FactorisedTokenClassifier(8, LEVELS)
    tokens = torch.arange(32).view(1, 4, 8)
    codes = vqvae.quantiser.indices_to_codes(tokens)  # (1, D, 4, 8) in [-1, 1]
    half = (torch.tensor(LEVELS).view(1, -1, 1, 1) - 1) / 2
    digits = indices_to_digits(tokens, LEVELS)
    assert torch.equal(digits, (codes * half + half).round().long())
    assert vqvae.token_levels == LEVELS
    one_hot = torch.cat([torch.nn.functional.one_hot(d, n).permute(0, 3, 1, 2).float()
                         for d, n in zip(digits.unbind(1), LEVELS)], 1)
    assert torch.equal(classifier.predict_tokens(one_hot), tokens)


def test_factorised_and_flat_agree_on_a_factorised_distribution():
    """When the flat logits are the sum of the channels' logits, the flat softmax is the
    channels' product: the same predicted code and the same cross-entropy."""
    torch.manual_seed(0)
    classifier = FactorisedTokenClassifier(8, LEVELS)
    logits = torch.randn(2, sum(LEVELS), 3, 5)
    flat = _flat_from_factorised(classifier, logits)
    targets = torch.randint(0, 32, (2, 3, 5))
    targets[0, 0] = 32  # ignored cells
    loss = MODELS.build(TOKEN_LOSS)
    flat_classifier = TokenClassifier(8, 32, 1)
    assert torch.equal(flat_classifier.predict_tokens(flat), classifier.predict_tokens(logits))
    flat_loss = loss(flat, targets, 32)
    torch.testing.assert_close(loss(logits, targets, 32, LEVELS), flat_loss)
    assert flat_loss.item() == pytest.approx(4.7604, abs=1e-4)


def test_factorised_gss_ff_head_trains_and_decodes():
    head = _build(dict(type='GSSFFHead', token_predictor='factorised', **GSS_HEAD))
    assert head.token_classifier[1].weight.shape == (10, 32, 1, 1)  # 4 + 4 + 2 outputs, not 32
    features, samples = _gss_inputs()
    losses = _losses(head, features, samples)
    # Fixed inputs and weights: the value pins the targets, the per-channel sum and its weight.
    assert losses['loss_token'] == pytest.approx(REFERENCE_FACTORISED_LOSS, rel=1e-4)
    head.loss(features, samples, None)['loss_token'].backward()
    assert head.token_classifier[1].weight.grad.abs().sum() > 0
    maskige = head.eval().generate_maskige(head(features))
    assert maskige.shape == (2, 3, 64, 64)
    with pytest.raises(ValueError, match="token_predictor must be 'flat' or 'factorised'"):
        MODELS.build(dict(type='GSSFFHead', token_predictor='ordinal', **GSS_HEAD))
    with pytest.raises(ValueError, match='loss_token must be TokenCrossEntropyLoss'):
        MODELS.build(dict(type='GSSFFHead', **GSS_HEAD, loss_decode=[
            dict(type='CrossEntropyLoss', loss_name='loss_token'),
            dict(type='CrossEntropyLoss', loss_name='loss_pixel')]))


def test_factorised_needs_an_fsq_codebook():
    from gss.models.layers import build_token_classifier

    class FlatCodebook(torch.nn.Module):
        vocab_size = 8192
        token_levels = None

    with pytest.raises(ValueError, match="needs an FSQ VQ-VAE .* FlatCodebook has a flat "
                                         "codebook: use 'flat'"):
        build_token_classifier('factorised', 8, FlatCodebook())


# Recorded from the head as written (0.8 x the sum of three channel cross-entropies; uniform
# logits would give 0.8 x (ln 4 + ln 4 + ln 2) = 2.77).
REFERENCE_FACTORISED_LOSS = 2.993430


def test_rare_class_cell_weights_by_hand():
    from gss.models.losses import rare_class_cell_weights

    labels = torch.zeros(1, 4, 6, dtype=torch.long)  # three 2x2 cells per row of cells
    labels[0, 0, :2] = 1  # two pixels of the rare class, in the top-left cell
    labels[0, 2:, 4:] = 255  # the bottom-right cell is all ignore
    learned = torch.ones(1, 2, 3, dtype=torch.bool)
    weights = rare_class_cell_weights(labels, (2, 3), 2, 1.0, learned)
    # n_0 = 18, n_1 = 2: top-left (2 * 1/2 + 2 * 1/18) / 4, the other labelled cells 1/18,
    # normalised by their mean over the five labelled cells; the all-ignore cell weighs 1.
    top_left, plain = (1 + 1 / 9) / 4, 1 / 18
    mean = (top_left + 4 * plain) / 5
    expected = torch.tensor([[[top_left, plain, plain], [plain, plain, mean]]]) / mean
    torch.testing.assert_close(weights, expected)
    assert weights[0, 0, 0] / weights[0, 0, 1] == pytest.approx(5.0)
    flat = rare_class_cell_weights(labels, (2, 3), 2, 0.0, learned)
    torch.testing.assert_close(flat, torch.ones(1, 2, 3))  # power 0: the plain average


def test_cell_weights_weigh_each_cells_loss():
    """Factorised and flat: weight 1 is the plain loss; other weights give the weighted mean
    over the learned cells."""
    torch.manual_seed(0)
    classifier = FactorisedTokenClassifier(8, LEVELS)
    logits = torch.randn(2, sum(LEVELS), 3, 4)
    targets = torch.randint(0, 32, (2, 3, 4))
    targets[:, 0] = 32
    loss = MODELS.build(TOKEN_LOSS)
    plain = loss(logits, targets, 32, LEVELS)
    torch.testing.assert_close(loss(logits, targets, 32, LEVELS, torch.ones(2, 3, 4)), plain)
    weight = torch.rand(2, 3, 4) + 0.5
    per_cell = torch.stack([loss(logits[b:b + 1, :, i:i + 1, j:j + 1],
                                 targets[b:b + 1, i:i + 1, j:j + 1], 32, LEVELS)
                            for b in range(2) for i in range(1, 3) for j in range(4)])
    learned_weight = weight[:, 1:].reshape(-1)
    expected = (per_cell * learned_weight).sum() / learned_weight.numel()
    torch.testing.assert_close(loss(logits, targets, 32, LEVELS, weight), expected)
    flat = _flat_from_factorised(classifier, logits)
    torch.testing.assert_close(loss(flat, targets, 32, None, weight), expected)


def test_gss_ff_head_weighs_rare_class_cells():
    features, samples = _gss_inputs()
    for sample in samples:  # class 0 dominates; the other three share a quarter of the crop
        sample.gt_sem_seg.data[:, 5:, 8:] = 0
    plain = _losses(_build(dict(type='GSSFFHead', token_predictor='factorised', **GSS_HEAD)),
                    features, samples)
    head = _build(dict(type='GSSFFHead', token_predictor='factorised', token_class_balance=0.5,
                       **GSS_HEAD))
    balanced = _losses(head, features, samples)
    assert balanced['loss_token'] != pytest.approx(plain['loss_token'], rel=1e-2)
    assert balanced['loss_pixel'] == pytest.approx(plain['loss_pixel'])
    head.loss(features, samples, None)['loss_token'].backward()
    assert head.token_classifier[1].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='token_class_balance must be >= 0'):
        MODELS.build(dict(type='GSSFFHead', token_class_balance=-1, **GSS_HEAD))


def test_sampled_tokens_follow_the_predicted_distribution():
    from gss.models.layers.token_classifier import FactorisedTokenClassifier, TokenClassifier

    generator = torch.Generator().manual_seed(0)
    logits = torch.tensor([0.0, 1.0, 2.0, -1.0, 0.5]).view(1, 5, 1, 1).expand(20000, 5, 1, 1)
    flat = TokenClassifier(4, 5, 1).sample_tokens(logits, generator).flatten()
    frequency = torch.bincount(flat, minlength=5).float() / flat.numel()
    assert torch.allclose(frequency, logits[0, :, 0, 0].softmax(0), atol=0.015)
    # Factorised, levels (2, 3): channel 0 from the first two logits, channel 1 from the last
    # three, independently; token = digit0 + 2 * digit1 (fsq.digits_to_indices).
    codes = FactorisedTokenClassifier(4, (2, 3)).sample_tokens(logits, generator).flatten()
    joint = torch.bincount(codes, minlength=6).float().view(3, 2).T / codes.numel()
    expected = logits[0, :2, 0, 0].softmax(0)[:, None] * logits[0, 2:, 0, 0].softmax(0)[None]
    assert torch.allclose(joint, expected, atol=0.015)
    again = FactorisedTokenClassifier(4, (2, 3)).sample_tokens(
        logits, torch.Generator().manual_seed(0))
    first = FactorisedTokenClassifier(4, (2, 3)).sample_tokens(
        logits, torch.Generator().manual_seed(0))
    assert torch.equal(again, first)


def test_code_distance_targets_by_hand():
    # one channel of 3 levels (codes -1, 0, 1: step 1), sigma 1, target level 0: the target is
    # exp(-d^2 / 2) over d = 0, 1, 2, normalised: 0.5741, 0.3482, 0.0777; logits (2, 0, 0)
    loss = MODELS.build(dict(TOKEN_LOSS, code_sigma=1.0))
    logits = torch.tensor([2.0, 0.0, 0.0]).view(1, 3, 1, 1)
    value = loss(logits, torch.zeros(1, 1, 1, dtype=torch.long), -1, (3,))
    assert value.item() == pytest.approx(1.091351, abs=1e-5)


def test_code_distance_targets_cost_less_next_to_the_right_code():
    levels = (8,)
    target = torch.full((1, 1, 1), 3)

    def peaked_at(level):
        return (10.0 * torch.nn.functional.one_hot(torch.tensor(level), 8).float()).view(
            1, 8, 1, 1)

    hard, soft = MODELS.build(TOKEN_LOSS), MODELS.build(dict(TOKEN_LOSS, code_sigma=0.3))
    assert hard(peaked_at(4), target, -1, levels) == pytest.approx(
        hard(peaked_at(6), target, -1, levels).item())
    assert soft(peaked_at(4), target, -1, levels) < soft(peaked_at(6), target, -1, levels) - 2


def test_tiny_code_sigma_is_the_hard_loss_with_ignored_cells_and_weights():
    torch.manual_seed(0)
    logits = torch.randn(2, sum(LEVELS), 3, 5)
    tokens = torch.randint(0, 32, (2, 3, 5))
    tokens[0, 0, :2] = 99  # ignored cells
    weight = torch.rand(2, 3, 5)
    hard = MODELS.build(TOKEN_LOSS)(logits, tokens, 99, LEVELS, weight)
    soft = MODELS.build(dict(TOKEN_LOSS, code_sigma=1e-3))(logits, tokens, 99, LEVELS, weight)
    assert soft.item() == pytest.approx(hard.item(), rel=1e-5)


@pytest.mark.parametrize('config, levels, named', [
    (dict(TOKEN_LOSS, code_sigma=-0.1), LEVELS, 'code_sigma must be >= 0'),
    (dict(TOKEN_LOSS, code_sigma=0.2), None, "token_predictor='factorised'"),
])
def test_code_sigma_refusals_name_it(config, levels, named):
    from gss.errors import InputError

    with pytest.raises(InputError, match=named):
        MODELS.build(config)(torch.zeros(1, 32 if levels is None else 10, 1, 1),
                             torch.zeros(1, 1, 1, dtype=torch.long), -1, levels)


def test_swin_drop_path_drops_blocks_in_training_only():
    from mmcv.cnn.bricks.drop import DropPath

    head = _build(dict(GSS_HEAD, type='GSSFFHead', token_predictor='factorised',
                       swin_drop_path_rate=0.5))
    rates = {m.drop_prob for m in head.token_mixer.modules() if isinstance(m, DropPath)}
    assert rates == {0.5}
    plain = _build(dict(GSS_HEAD, type='GSSFFHead', token_predictor='factorised'))
    features, _ = _gss_inputs()
    with torch.no_grad():
        for mode in ('eval', 'train'):  # train: both normalise with the batch's statistics
            getattr(head, mode)(), getattr(plain, mode)()
            torch.manual_seed(1)
            same = torch.allclose(head(features)['token_logits'],
                                  plain(features)['token_logits'], atol=1e-5)
            assert same == (mode == 'eval')
