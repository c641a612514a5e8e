"""tools/merge_checkpoints.py's merge on hand-made state dicts (the end-to-end FT-W training,
merge and test are in test_gss_tools.py)."""
import os

import pytest
import torch

from tests.conftest import REPO_ROOT

FF = {'backbone.w': torch.ones(2), 'decode_head.token_fusion.w': torch.full((2,), 2.0),
      'decode_head.pixel_fusion.w': torch.full((2,), 3.0),
      'decode_head.conv_seg.weight': torch.full((4, 2), 4.0)}
FTW = {'backbone.w': torch.zeros(2), 'decode_head.token_fusion.w': torch.full((2,), 2.0),
       'decode_head.learned_inverse.classifier.weight': torch.full((3,), 5.0)}


@pytest.fixture(autouse=True)
def tools_on_path(monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools'))


def test_merge_takes_ffs_image_network_and_ftws_inverse():
    from merge_checkpoints import merge

    merged, differ = merge(FF, FTW)
    assert set(merged) == set(FTW)  # the pixel branch, which FT-W lacks, is dropped
    assert torch.equal(merged['backbone.w'], FF['backbone.w']) and differ == ['backbone.w']
    assert torch.equal(merged['decode_head.learned_inverse.classifier.weight'],
                       FTW['decode_head.learned_inverse.classifier.weight'])


def test_with_pixel_branch_keeps_ffs_pixel_branch_for_the_mix():
    from merge_checkpoints import merge

    merged, _ = merge(FF, FTW, with_pixel_branch=True)
    assert set(merged) == set(FTW) | {'decode_head.pixel_fusion.w',
                                      'decode_head.conv_seg.weight'}
    assert torch.equal(merged['decode_head.conv_seg.weight'], FF['decode_head.conv_seg.weight'])
    no_pixel = {k: v for k, v in FF.items() if 'pixel' not in k and 'conv_seg' not in k}
    with pytest.raises(ValueError, match='has no pixel branch'):
        merge(no_pixel, FTW, with_pixel_branch=True)
