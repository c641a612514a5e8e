"""Calibration: ECE of a known histogram, NLL of known probabilities, logits vs probability
scores (GSS-FF's class shares are not put through a second softmax), and running sums."""
import math

import pytest
import torch
from mmseg.registry import MODELS

from gss.errors import InputError
from gss.evaluation import CalibrationMetric, calibration_sums, expected_calibration_error
from gss.evaluation.calibration import PROBABILITY_FLOOR
from gss.models.heads.gss_ff_head import GSSFFHead
from tests.test_gss_heads import _features, _head_cfg

# Five pixels of a 1 x 5 image, two classes: top-1 confidences 0.91 (right), 0.92 (wrong),
# 0.62 (wrong), 0.75 (right), and an ignore pixel.
P_CLASS_0 = [0.91, 0.08, 0.62, 0.25, 0.5]
LABEL = [0, 0, 1, 1, 255]
# 15 bins: 0.91 and 0.92 share (0.867, 0.933] (accuracy 1/2, confidence 0.915), 0.62 is in
# (0.600, 0.667], 0.75 in (0.733, 0.800]: sum_b n_b / N |acc_b - conf_b| over N = 4 pixels.
EXPECTED_ECE = (2 / 4 * abs(0.5 - 0.915) + 1 / 4 * abs(0 - 0.62) + 1 / 4 * abs(1 - 0.75)) * 100
# -log p(label): p = 0.91, 0.08, 0.38, 0.75.
EXPECTED_NLL = -(math.log(0.91) + math.log(0.08) + math.log(0.38) + math.log(0.75)) / 4


def _probabilities():
    p0 = torch.tensor(P_CLASS_0)
    return torch.stack([p0, 1 - p0])[:, None, :]  # (2, 1, 5)


def _label():
    return torch.tensor([LABEL])


def _metric(**kwargs):
    metric = CalibrationMetric(**kwargs)
    metric.dataset_meta = dict(classes=('a', 'b'))
    return metric


def _sample(scores, label):
    return dict(seg_logits=dict(data=scores), gt_sem_seg=dict(data=label[None]))


def test_ece_of_a_known_histogram():
    bins, _ = calibration_sums(_probabilities(), _label(), probabilities=True)
    assert bins[0].tolist() == [0] * 9 + [1, 0, 1, 0, 2, 0]  # the ignore pixel is not counted
    assert bins[1, 13].item() == pytest.approx(0.91 + 0.92)
    assert bins[2].tolist() == [0] * 11 + [1, 0, 1, 0]
    assert expected_calibration_error(bins) == pytest.approx(EXPECTED_ECE)  # 42.5
    assert EXPECTED_ECE == pytest.approx(42.5)


def test_nll_of_known_probabilities_and_metric_output():
    metric = _metric()
    metric.process({}, [_sample(_probabilities(), _label())])
    assert metric.compute_metrics(metric.results) == dict(
        ECE=round(EXPECTED_ECE, 2), NLL=round(EXPECTED_NLL, 4))  # 42.5, 0.9688


def test_logits_go_through_a_softmax():
    # log p plus a different constant per pixel: the softmax gives back p.
    logits = _probabilities().log() + torch.tensor([3.0, -1.0, 0.5, 7.0, 0.0])
    bins, nll = calibration_sums(logits, _label(), probabilities=False)
    assert expected_calibration_error(bins) == pytest.approx(EXPECTED_ECE, abs=1e-4)
    assert nll.item() / 4 == pytest.approx(EXPECTED_NLL, abs=1e-6)
    metric = _metric()  # 'auto': these are not probabilities
    metric.process({}, [_sample(logits, _label())])
    assert metric.compute_metrics(metric.results)['ECE'] == round(EXPECTED_ECE, 2)


def test_probabilities_are_not_put_through_a_second_softmax():
    metric = _metric()  # 'auto' recognises probabilities
    metric.process({}, [_sample(_probabilities(), _label())])
    softened = _metric(scores='logits')
    softened.process({}, [_sample(_probabilities(), _label())])
    assert metric.compute_metrics(metric.results)['ECE'] == round(EXPECTED_ECE, 2)
    # A second softmax flattens them: sigmoid(0.82) = 0.694, sigmoid(0.84) = 0.699 (one bin,
    # accuracy 1/2), sigmoid(0.24) = 0.560 (wrong), sigmoid(0.5) = 0.622 (right): 33.25.
    assert softened.compute_metrics(softened.results)['ECE'] == 33.25


def test_gss_ff_class_shares_are_used_as_probabilities():
    assert GSSFFHead.SCORES_ARE_PROBABILITIES
    torch.manual_seed(0)
    head = MODELS.build(_head_cfg()).eval()
    metas = [dict(img_shape=(32, 32), pad_shape=(32, 32))]
    with torch.no_grad():
        shares = head.predict(_features(batch=1), metas, None)[0]  # (4, 32, 32)
    label = shares.argmax(0)
    label[::3] = (label[::3] + 1) % 4  # some wrong pixels
    metric = _metric(scores='auto')
    metric.process({}, [_sample(shares, label)])
    as_probabilities = calibration_sums(shares, label, probabilities=True)
    as_logits = calibration_sums(shares, label, probabilities=False)
    assert torch.equal(metric.results[0][0], as_probabilities[0])
    assert not torch.equal(as_probabilities[0], as_logits[0])
    assert (shares.max(0).values < 1).any()  # some pixels' votes are split


def test_zero_probability_of_the_label_costs_minus_log_eps():
    scores = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])  # (2, 1, 2): certain, one wrong
    _, nll = calibration_sums(scores, torch.tensor([[0, 0]]), probabilities=True)
    assert nll.item() == pytest.approx(-math.log(PROBABILITY_FLOOR))  # 13.8155
    _, nll = calibration_sums(scores, torch.tensor([[0, 0]]), probabilities=True, eps=1e-3)
    assert nll.item() == pytest.approx(-math.log(1e-3))


def test_scores_are_resized_to_the_label():
    scores = _probabilities().repeat_interleave(2, 1).repeat_interleave(2, 2)  # (2, 2, 10)
    label = torch.tensor([LABEL])
    bins, _ = calibration_sums(scores, label, probabilities=True)
    assert bins[0].sum() == 4


def test_two_batches_sum_to_one_batch_of_both():
    other_scores = _probabilities().flip(2).contiguous()
    other_label = torch.tensor([[0, 1, 1, 0, 0]])
    split, joint = _metric(), _metric()
    split.process({}, [_sample(_probabilities(), _label())])
    split.process({}, [_sample(other_scores, other_label)])
    joint.process({}, [_sample(_probabilities(), _label()), _sample(other_scores, other_label)])
    assert [r[0].shape for r in split.results] == [(3, 15), (3, 15)]  # only per-bin sums kept
    assert split.compute_metrics(split.results) == joint.compute_metrics(joint.results)
    assert joint.results[0][0][0].sum() == 9


@pytest.mark.parametrize('kwargs, message', [
    (dict(metrics=['ECE', 'Brier']), "metric 'Brier' is not valid; choose from ECE, NLL"),
    (dict(num_bins=0), 'num_bins 0 is not valid; give a whole number >= 1'),
    (dict(scores='softmax'), "scores 'softmax' is not valid; choose from auto, logits, "
                             'probabilities'),
    (dict(eps=0.0), r'eps 0.0 is not valid; give a number in \(0, 1\)'),
])
def test_bad_arguments_are_one_line_naming_value_and_choices(kwargs, message):
    with pytest.raises(InputError, match=f'^CalibrationMetric: {message}$'):
        CalibrationMetric(**kwargs)
