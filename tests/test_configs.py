"""Every leaf config loads, and every model it describes builds and runs a forward pass."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
LEAF_CONFIGS = sorted(p for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'),
                                           recursive=True) if '_base_' not in p)


def test_there_are_leaf_configs():
    assert len(LEAF_CONFIGS) >= 2


@pytest.mark.parametrize('path', LEAF_CONFIGS, ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_config_builds_model_that_segments(path):
    from mmseg.registry import MODELS

    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmseg' and 'gss' in cfg.custom_imports['imports']
    model = MODELS.build(cfg.model).eval()
    num_classes = cfg.model.decode_head.num_classes
    with torch.no_grad():
        logits = model(torch.randn(1, 3, 64, 96), mode='tensor')
    assert logits.shape[:2] == (1, num_classes)
