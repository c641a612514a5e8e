"""The maskige tokenizer (the 2x path shared by targets and stage 1), stage-1 IoU bookkeeping,
and the reconstruction segmentor in mmseg."""
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.evaluation import IoUMetric
from mmseg.structures import SegDataSample

from gss.maskige.palette import Maskige
from gss.maskige.stage1 import IoUAccumulator
from gss.maskige.tokenizer import MaskigeTokenizer, upsample_mask
from gss.maskige.vqvae.base import FrozenVQVAE
from gss.models.segmentors import MaskigeReconstructor
from gss.registry import VQVAES

PALETTE = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [0, 0, 0]]


@VQVAES.register_module(force=True)
class CellAverageVQVAE(FrozenVQVAE):
    """A 'VQ-VAE' that keeps only each 8x8 cell's mean colour: the coarsest possible token."""

    vocab_size = 0

    def __init__(self) -> None:
        super().__init__()
        self.cells = None

    def encode(self, maskige):
        self.check_input(maskige)
        self.cells = F.avg_pool2d(maskige, 8)
        return torch.zeros(maskige.shape[0], *self.cells.shape[-2:], dtype=torch.long)

    def decode(self, tokens):
        return F.interpolate(self.cells, scale_factor=8, mode='nearest')


@VQVAES.register_module(force=True)
class IdentityVQVAE(CellAverageVQVAE):
    """Perfect reconstruction, to test the plumbing around the VQ-VAE."""

    def encode(self, maskige):
        self.check_input(maskige)
        self.cells = maskige
        return torch.zeros(maskige.shape[0], *maskige.shape[-2:], dtype=torch.long)[:, ::8, ::8]

    def decode(self, tokens):
        return self.cells


def test_upsample_equals_the_originals_bilinear_one_hot_argmax():
    mask = torch.randint(0, 5, (2, 13, 17), generator=torch.Generator().manual_seed(0))
    one_hot = F.one_hot(mask, 5).permute(0, 3, 1, 2).float()
    original = F.interpolate(one_hot, scale_factor=2, mode='bilinear',
                             align_corners=False).argmax(1)
    assert torch.equal(upsample_mask(mask, (26, 34)), original)
    assert torch.equal(upsample_mask(mask, (26, 34)),
                       mask.repeat_interleave(2, dim=1).repeat_interleave(2, dim=2))


def test_perfect_vqvae_reconstructs_every_label_and_pads_odd_sizes():
    maskige = Maskige(PALETTE)
    mask = torch.randint(0, 3, (1, 13, 21), generator=torch.Generator().manual_seed(1))
    out = MaskigeTokenizer(IdentityVQVAE(), maskige).reconstruct(mask)
    assert out['input'].shape == (1, 3, 26, 42) and out['tokens'].shape == (1, 4, 6)
    assert torch.equal(out['scores'].argmax(1), mask)
    assert torch.equal(out['scores'].sum(1), torch.ones(1, 13, 21))


def test_cell_average_loses_detail_below_a_token():
    maskige = Maskige(PALETTE)
    mask = torch.zeros(1, 8, 8, dtype=torch.long)
    mask[0, :, 3] = 1  # a one-pixel pole: a quarter of no 4x4 cell
    pred = MaskigeTokenizer(CellAverageVQVAE(), maskige).reconstruct(mask)['scores'].argmax(1)
    assert (pred == 1).sum() == 0 and (pred == 0).all()


def test_training_targets_and_stage1_tokenise_a_mask_identically():
    from gss.maskige.vqvae import MaskigeVQVAE

    torch.manual_seed(0)
    tokenizer = MaskigeTokenizer(MaskigeVQVAE(hidden_channels=8, num_blocks=1,
                                              fsq_levels=(4, 4, 2)), Maskige(PALETTE))
    mask = torch.randint(0, 3, (2, 16, 24), generator=torch.Generator().manual_seed(3))
    targets = tokenizer.target_tokens(mask, (4, 6))  # a 1/4-scale token grid
    assert torch.equal(targets, tokenizer.reconstruct(mask)['tokens'])
    mask[0, 0, 0] = 255  # one ignore pixel: its 4x4 cell (8x8 at 2x) is not learned
    targets = tokenizer.target_tokens(mask, (4, 6))
    assert targets[0, 0, 0] == tokenizer.ignore_token == tokenizer.vocab_size
    assert (targets.flatten()[1:] < tokenizer.vocab_size).all()


def test_iou_accumulator_matches_mmseg_iou_metric():
    gen = torch.Generator().manual_seed(2)
    pred = torch.randint(0, 4, (3, 20, 30), generator=gen)
    gt = torch.randint(0, 4, (3, 20, 30), generator=gen)
    gt[:, :2] = 255
    acc = IoUAccumulator(4)
    metric = IoUMetric()
    metric.dataset_meta = dict(classes=list('abcd'))
    for p, g in zip(pred, gt):
        acc.update(p, g)
        sample = dict(pred_sem_seg=dict(data=p[None]), gt_sem_seg=dict(data=g[None]))
        metric.process([], [sample])
    reference = metric.compute_metrics(metric.results)['mIoU']
    assert np.isclose(acc.miou(), reference, atol=0.01)


def test_reconstructor_predicts_from_the_ground_truth_of_each_sample():
    model = MaskigeReconstructor(vqvae=dict(type='IdentityVQVAE'), palette=PALETTE,
                                 num_classes=3)
    samples = []
    for seed in (0, 1):
        mask = torch.randint(0, 3, (1, 9, 15), generator=torch.Generator().manual_seed(seed))
        mask[0, 0, 0] = 255
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=mask)
        samples.append(sample)
    out = model.predict(torch.zeros(2, 3, 9, 15), samples)
    for sample in out:
        gt = sample.gt_sem_seg.data
        assert sample.seg_logits.data.shape == (3, 9, 15)
        valid = gt < 3
        assert torch.equal(sample.pred_sem_seg.data[valid], gt[valid])
