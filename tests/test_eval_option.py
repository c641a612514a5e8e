"""``tools/test.py --eval``: which evaluators each metric name brings into the one test pass."""
import os.path as osp

import pytest
from mmengine.config import Config

from gss.engine import SUPPORTED_EVAL_METRICS, check_eval_metrics, set_eval_metrics
from gss.errors import InputError
from tests.conftest import REPO_ROOT

CONFIG = osp.join(REPO_ROOT, 'configs/baseline/upernet_effnet-lite0_1k_toy-128x128.py')


def _evaluators(metrics):
    cfg = Config.fromfile(CONFIG)
    set_eval_metrics(cfg, metrics)
    evaluators = cfg.test_evaluator
    return list(evaluators) if isinstance(evaluators, (list, tuple)) else [evaluators]


def test_boundary_and_calibration_metrics_are_accepted():
    check_eval_metrics(['mBIoU', 'ECE'])
    check_eval_metrics(['mIoU', 'mDice', 'mFscore', 'mBIoU', 'ECE', 'NLL'])


def test_unknown_metric_is_refused_with_the_full_list():
    with pytest.raises(InputError, match='^--eval: unsupported metric\\(s\\) bbox, Brier; '
                                         'supported: mIoU, mDice, mFscore, mBIoU, ECE, NLL$'):
        check_eval_metrics(['mIoU', 'bbox', 'ECE', 'Brier'])
    assert SUPPORTED_EVAL_METRICS == ('mIoU', 'mDice', 'mFscore', 'mBIoU', 'ECE', 'NLL')


def test_miou_alone_keeps_the_single_iou_evaluator():
    assert [dict(e) for e in _evaluators(['mIoU', 'mDice'])] == [
        dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])]


def test_miou_mbiou_ece_nll_run_as_three_evaluators_of_one_pass():
    iou, boundary, calibration = _evaluators(['mIoU', 'mBIoU', 'ECE', 'NLL'])
    assert iou.type == 'IoUMetric' and iou.iou_metrics == ['mIoU']
    assert dict(boundary) == dict(type='BoundaryIoUMetric', ignore_index=255)
    assert calibration.type == 'CalibrationMetric' and calibration.metrics == ['ECE', 'NLL']


def test_without_an_iou_metric_the_iou_evaluator_is_dropped():
    assert [e.type for e in _evaluators(['mBIoU', 'ECE'])] == ['BoundaryIoUMetric',
                                                               'CalibrationMetric']
    assert [e.metrics for e in _evaluators(['NLL'])] == [['NLL']]


def test_a_config_that_already_has_the_new_evaluators_gets_them_once():
    cfg = Config.fromfile(CONFIG)
    cfg.test_evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU'], ignore_index=7),
                          dict(type='BoundaryIoUMetric'), dict(type='CalibrationMetric')]
    set_eval_metrics(cfg, ['mBIoU', 'mIoU'])
    assert [e.type for e in cfg.test_evaluator] == ['IoUMetric', 'BoundaryIoUMetric']
    assert cfg.test_evaluator[1].ignore_index == 7
