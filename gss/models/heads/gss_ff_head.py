"""GSS-FF's head: the image network's last part, I_psi, predicting the maskige's VQ-VAE tokens.

Latent prior learning (GSS, Sec. 3.2): features of every backbone level are fused at 1/4 scale,
a Swin block sequence mixes the fused tokens, and a classifier predicts, for each cell, one of
the frozen VQ-VAE's codes. The target codes are those of the ground-truth mask's maskige,
tokenised at twice the crop's resolution so that the 8x tokeniser yields the 1/4-scale grid.
An auxiliary pixel branch predicts classes directly; it also fills ignore pixels before
tokenising. At inference the predicted tokens are decoded to a maskige and X^-1 (nearest
palette colour) turns it into per-class scores.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.backbones.swin import SwinBlockSequence
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor, nn

from gss.maskige import Maskige, PaletteLike
from gss.models.heads.frozen_vqvae_holder import FrozenVQVAEHolder
from gss.models.heads.level_fusion import LevelFusion


class SwinTokenMixer(nn.Module):
    """A Swin block sequence (window attention, alternating shifts, no downsampling) over a
    (B, C, h, w) map, followed by LayerNorm; returns a map of the same shape."""

    def __init__(self, channels: int, depth: int, num_heads: int, window_size: int,
                 mlp_ratio: float, drop_path_rate: float = 0.0) -> None:
        super().__init__()
        self.blocks = SwinBlockSequence(
            embed_dims=channels, num_heads=num_heads,
            feedforward_channels=int(mlp_ratio * channels), depth=depth,
            window_size=window_size, drop_path_rate=drop_path_rate)
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: Tensor) -> Tensor:
        b, c, h, w = x.shape
        tokens, _, _, _ = self.blocks(x.flatten(2).transpose(1, 2), (h, w))
        return self.norm(tokens).transpose(1, 2).reshape(b, c, h, w)


@MODELS.register_module()
class GSSFFHead(FrozenVQVAEHolder, BaseDecodeHead):
    """GSS-FF: tokens of the maskige from image features; X^-1 is nearest palette colour.

    Args:
        vqvae: config of the frozen VQ-VAE (``DalleVQVAE`` or ``MaskigeVQVAE``).
        palette: K + 1 colours or a JSON file, the last for ignore (X).
        indice_channel_index: the (in_index-ordered) input whose size is the token grid.
        pixel_channel_index: the input whose size the pixel branch predicts at.
        indice_seg_channel: width of the fused token features and the Swin blocks.
        indice_cls_channel: width before the token classifier.
        swin_depth, swin_num_heads, swin_window_size, swin_mlp_ratio: the Swin sequence.
        token_loss_weight, pixel_loss_weight: 0.8 and 0.2 in GSS.
        single_fusion: share the token branch's fusion with the pixel branch (the HRNet variant
            of the original, whose inputs are already fused multi-resolution maps).
        upsample: resolution of the tokenised mask relative to the input crop (2 in GSS).
    """

    def __init__(self, vqvae: ConfigType, palette: PaletteLike, indice_channel_index: int = 1,
                 pixel_channel_index: int = 1, indice_seg_channel: int = 512,
                 indice_cls_channel: int = 2048, swin_depth: int = 2, swin_num_heads: int = 16,
                 swin_window_size: int = 7, swin_mlp_ratio: float = 2.0,
                 token_loss_weight: float = 0.8, pixel_loss_weight: float = 0.2,
                 single_fusion: bool = False, upsample: int = 2,
                 init_cfg: Optional[dict] = None, **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, input_transform='multiple_select', **kwargs)
        self.maskige = Maskige(palette, self.num_classes)
        self.hold_vqvae(vqvae)
        self.indice_channel_index = indice_channel_index
        self.pixel_channel_index = pixel_channel_index
        self.token_loss_weight = token_loss_weight
        self.pixel_loss_weight = pixel_loss_weight
        self.upsample = upsample
        common = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg,
                      align_corners=self.align_corners)
        self.token_fusion = LevelFusion(self.in_channels, self.channels, indice_seg_channel,
                                        indice_channel_index, **common)
        self.token_mixer = SwinTokenMixer(indice_seg_channel, swin_depth, swin_num_heads,
                                          swin_window_size, swin_mlp_ratio)
        self.token_classifier = nn.Sequential(
            ConvModule(indice_seg_channel, indice_cls_channel, 1, conv_cfg=self.conv_cfg,
                       norm_cfg=self.norm_cfg, act_cfg=self.act_cfg),
            TokenClassifier(indice_cls_channel, self.vqvae.vocab_size, 1))
        self.single_fusion = single_fusion
        if self.has_pixel_branch:
            self.pixel_fusion = None if single_fusion else LevelFusion(
                self.in_channels, self.channels, self.channels, pixel_channel_index, **common)
            if single_fusion:
                self.conv_seg = nn.Conv2d(indice_seg_channel, self.num_classes, 1)

    has_pixel_branch = True

    # -------------------------------------------------------------------------- image network
    def token_logits(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """(B, vocab, h, w) token logits and the fused features they come from."""
        fused = self.token_fusion(inputs)
        return self.token_classifier(self.token_mixer(fused)), fused

    def forward(self, inputs: List[Tensor]) -> Dict[str, Tensor]:
        inputs = self._transform_inputs(inputs)
        tokens, fused = self.token_logits(inputs)
        out = dict(token_logits=tokens)
        if self.has_pixel_branch:
            pixel = fused if self.single_fusion else self.pixel_fusion(inputs)
            out['pixel_logits'] = self.cls_seg(pixel)
        return out

    # -------------------------------------------------------------------------- training
    @torch.no_grad()
    def token_targets(self, gt: Tensor, grid: Tuple[int, int],
                      pixel_logits: Optional[Tensor]) -> Tensor:
        """Target tokens (B, h, w) of the ground-truth masks (B, 1, H, W).

        The mask is resized (nearest; at the usual exact 2x this equals the original's
        bilinear one-hot argmax) to the VQ-VAE's input size, 8x the token grid; ignore pixels
        are filled with the pixel branch's prediction so the tokeniser sees a plausible
        maskige; a cell that contained any ignore pixel is ignored (index vocab_size).
        """
        size = (grid[0] * self.vqvae.downsample, grid[1] * self.vqvae.downsample)
        mask = F.interpolate(gt.float(), size=size, mode='nearest')[:, 0].long()
        ignore = (mask < 0) | (mask >= self.num_classes)
        if pixel_logits is not None:
            guess = F.interpolate(pixel_logits.float(), size=size, mode='bilinear',
                                  align_corners=self.align_corners).argmax(1)
            mask = torch.where(ignore, guess, mask)
        tokens = self.vqvae.encode(self.maskige.to_maskige(mask))
        ignored_cells = F.max_pool2d(ignore[:, None].float(), self.vqvae.downsample)[:, 0] > 0
        return tokens.masked_fill(ignored_cells, self.vqvae.vocab_size)

    def loss_by_feat(self, seg_logits: Dict[str, Tensor],
                     batch_data_samples: SampleList) -> dict:
        gt = self._stack_batch_gt(batch_data_samples)
        token_logits = seg_logits['token_logits']
        pixel_logits = seg_logits.get('pixel_logits')
        targets = self.token_targets(gt, token_logits.shape[2:], pixel_logits)
        ignore = self.vqvae.vocab_size
        # Token-major (N, vocab) rows: softmax over thousands of codes is several times faster
        # along the contiguous last dimension (TokenClassifier lays the logits out that way).
        losses = dict(loss_token=self.token_loss_weight * F.cross_entropy(
            token_logits.permute(0, 2, 3, 1).reshape(-1, ignore), targets.reshape(-1),
            ignore_index=ignore))
        losses['acc_token'] = _accuracy(token_logits, targets, ignore)
        if pixel_logits is not None:
            pixel = F.interpolate(pixel_logits, size=gt.shape[2:], mode='bilinear',
                                  align_corners=self.align_corners)
            label = gt[:, 0].long()
            losses['loss_pixel'] = self.pixel_loss_weight * F.cross_entropy(
                pixel, label, ignore_index=self.ignore_index)
            losses['acc_pixel'] = _accuracy(pixel, label, self.ignore_index)
        return losses

    # -------------------------------------------------------------------------- inference
    def generate_maskige(self, seg_logits: Dict[str, Tensor]) -> Tensor:
        """Predicted tokens -> decoded maskige (B, 3, 8h, 8w) in [0, 1]."""
        return self.vqvae.decode(seg_logits['token_logits'].argmax(1)).float()

    def maskige_to_scores(self, maskige: Tensor) -> Tensor:
        """X^-1 of GSS-FF: a one-hot vote of the nearest palette colour per decoded pixel."""
        labels = self.maskige.to_mask(maskige)
        return F.one_hot(labels, self.num_classes).permute(0, 3, 1, 2).float()

    def predict_by_feat(self, seg_logits: Dict[str, Tensor],
                        batch_img_metas: List[dict]) -> Tensor:
        """Per-class scores at the input size; the vote is area-averaged when resized, so
        whole and slide inference both see each class's share of the decoded pixels."""
        scores = self.maskige_to_scores(self.generate_maskige(seg_logits))
        return super().predict_by_feat(scores, batch_img_metas)


class TokenClassifier(nn.Conv2d):
    """The 1x1 conv to the codebook's logits, computed as a linear map over channels-last
    features: the (B, vocab, h, w) result has the vocabulary as its innermost dimension, so the
    softmax and argmax over it read contiguous memory. Same parameters as nn.Conv2d."""

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x.permute(0, 2, 3, 1), self.weight.flatten(1),
                        self.bias).permute(0, 3, 1, 2)


def _accuracy(logits: Tensor, target: Tensor, ignore_index: int) -> Tensor:
    valid = target != ignore_index
    if not valid.any():
        return logits.new_tensor(0.0)
    return (logits.argmax(1)[valid] == target[valid]).float().mean() * 100
