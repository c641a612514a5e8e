"""Multi-scale + flip testing (tools/test.py --aug-test): how views are merged, and that the
merged prediction is flip-equivariant where it must be, for a discriminative and a GSS model."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import nn

from gss.models.segmentors import GSSTTAModel
from tests.conftest import REPO_ROOT

BASELINE = osp.join(REPO_ROOT, 'configs/baseline/upernet_effnet-lite0_1k_toy-128x128.py')
GSS_FF = osp.join(REPO_ROOT, 'configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py')


class _Segmentor(nn.Module):
    def __init__(self, scores_are_probabilities: bool) -> None:
        super().__init__()
        self.decode_head = nn.Module()
        self.decode_head.SCORES_ARE_PROBABILITIES = scores_are_probabilities

    def test_step(self, data):  # what BaseTTAModel calls per view; not needed to merge
        raise NotImplementedError


def _view(scores) -> SegDataSample:
    sample = SegDataSample()
    sample.seg_logits = PixelData(data=torch.tensor(scores, dtype=torch.float32)[:, None, None])
    return sample


@pytest.mark.parametrize('probabilities', [True, False])
def test_views_are_averaged_as_probabilities(probabilities):
    tta = GSSTTAModel(module=_Segmentor(probabilities))
    views = [_view([1.0, 0.0, 0.0]), _view([0.0, 0.5, 0.5]), _view([0.0, 0.4, 0.6])]
    merged = tta.merge_preds([views])[0]
    stacked = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.0, 0.4, 0.6]])
    expected = stacked.mean(0) if probabilities else stacked.softmax(1).mean(0)
    assert torch.allclose(merged.seg_logits.data[:, 0, 0], expected)
    # Votes: class 0 has one unanimous view, class 2 two split ones; a softmax would favour 0.
    assert int(merged.pred_sem_seg.data.flatten()[0]) == (2 if probabilities else 0)


def _flipped_copy(root: str, out: str) -> str:
    for kind in ('img_dir', 'ann_dir'):
        os.makedirs(osp.join(out, kind, 'val'))
        for name in sorted(os.listdir(osp.join(root, kind, 'val'))):
            image = cv2.imread(osp.join(root, kind, 'val', name), cv2.IMREAD_UNCHANGED)
            cv2.imwrite(osp.join(out, kind, 'val', name), image[:, ::-1])
    return out


def _predict(config, checkpoint, data_root, out, env, *extra):
    result = subprocess.run(
        [sys.executable, 'tools/test.py', config, checkpoint, '--data-root', data_root,
         '--out', out, '--work-dir', out + '_work', *extra, '--cfg-options',
         'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, {name: cv2.imread(osp.join(out, name), cv2.IMREAD_UNCHANGED)
                    for name in sorted(os.listdir(out))}


def _agreement(predictions: dict, flipped_predictions: dict) -> float:
    same = [np.mean(predictions[name] == flipped_predictions[name][:, ::-1])
            for name in predictions]
    return float(np.mean(same))


@pytest.mark.slow
@pytest.mark.parametrize('config', [BASELINE, GSS_FF], ids=['baseline', 'gss-ff'])
def test_aug_test_is_flip_equivariant_and_prints_miou(config, toy_data_root, tmp_path, cpu_env):
    from gss.apis import init_model

    torch.manual_seed(0)
    checkpoint = str(tmp_path / 'random.pth')
    torch.save(init_model(config, None, 'cpu').state_dict(), checkpoint)
    val_only = tmp_path / 'toy'  # three val images: 36 views each with --aug-test
    for kind in ('img_dir', 'ann_dir'):
        (val_only / kind / 'val').mkdir(parents=True)
        for name in sorted(os.listdir(osp.join(toy_data_root, kind, 'val')))[:3]:
            shutil.copy(osp.join(toy_data_root, kind, 'val', name), val_only / kind / 'val')
    flipped = _flipped_copy(str(val_only), str(tmp_path / 'flipped'))
    result, plain = _predict(config, checkpoint, str(val_only), str(tmp_path / 'a'), cpu_env,
                             '--aug-test', '--eval', 'mIoU')
    assert 'mIoU:' in result.stdout + result.stderr
    _, mirrored = _predict(config, checkpoint, flipped, str(tmp_path / 'b'), cpu_env,
                           '--aug-test')
    # The views of an image and of its mirror image are each other's mirrors, so the merged
    # predictions are too (up to the order of float additions).
    assert _agreement(plain, mirrored) > 0.999, _agreement(plain, mirrored)
    # Without flip testing the same untrained network is far from that.
    _, single = _predict(config, checkpoint, str(val_only), str(tmp_path / 'c'), cpu_env)
    _, single_mirrored = _predict(config, checkpoint, flipped, str(tmp_path / 'd'), cpu_env)
    assert _agreement(single, single_mirrored) < 0.99, _agreement(single, single_mirrored)
