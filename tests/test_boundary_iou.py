"""Boundary IoU: the bands of hand-made masks, the image edge as boundary, ignore pixels in
neither band, per-class sums over batches, and the fast label-map bands against erosion."""
import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gss.errors import InputError
from gss.evaluation import (BoundaryIoUMetric, boundary_band, boundary_intersect_and_union,
                            boundary_width_px, class_boundary_bands, erode_masks)

CLASSES = ('background', 'square')


def _square_scene():
    """12 x 12 (d = 1): a 6 x 6 square of class 1 at rows and columns 3-8 on background 0,
    and a prediction of it shifted one column to the right."""
    label = torch.zeros(12, 12, dtype=torch.long)
    label[3:9, 3:9] = 1
    pred = torch.zeros(12, 12, dtype=torch.long)
    pred[3:9, 4:10] = 1
    return pred, label


def _sample(pred, label):
    return dict(pred_sem_seg=dict(data=pred[None]), gt_sem_seg=dict(data=label[None]))


def _metric():
    metric = BoundaryIoUMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    return metric


def _erode_3x3_repeatedly(masks, times):
    """The definition: d erosions by a 3 x 3 square, zeros outside the image each time."""
    x = masks.float()[None]
    for _ in range(times):
        x = -F.max_pool2d(-F.pad(x, (1, 1, 1, 1)), 3, 1)
    return x[0] > 0.5


def _blob_labels(seed, num_classes=5, size=(37, 53)):
    """Blocky random label maps (regions of a few pixels, some 255) with real boundaries."""
    gen = torch.Generator().manual_seed(seed)
    coarse = torch.randint(0, num_classes, (size[0] // 4 + 1, size[1] // 4 + 1), generator=gen)
    labels = coarse.repeat_interleave(4, 0).repeat_interleave(4, 1)[:size[0], :size[1]]
    noise = torch.randint(0, num_classes, size, generator=gen)
    labels = torch.where(torch.rand(size, generator=gen) < 0.1, noise, labels)
    labels[torch.rand(size, generator=gen) < 0.03] = 255
    return labels


def test_band_width_is_two_percent_of_the_diagonal_and_at_least_one_pixel():
    assert boundary_width_px(12, 12) == 1  # 0.02 * 16.97 = 0.34 rounds to 0
    assert boundary_width_px(180, 240) == 6  # diagonal 300
    assert boundary_width_px(360, 480) == 12
    assert boundary_width_px(1024, 2048) == 46  # 45.8


def test_bands_of_a_square_at_d1_by_hand():
    _, label = _square_scene()
    bands = class_boundary_bands(torch.stack([label == 0, label == 1]), 1)
    ring = torch.zeros(12, 12, dtype=torch.bool)
    ring[3:9, 3:9] = True
    ring[4:8, 4:8] = False  # the square minus its 4 x 4 inside
    assert torch.equal(bands[1], ring) and int(bands[1].sum()) == 20
    # Background: the image's outer ring (44) and the ring just outside the square (28).
    assert int(bands[0].sum()) == 72
    assert bands[0][0].all() and bands[0][:, 11].all() and not bands[0][1, 1]
    assert bands[0][2, 2:10].all() and not bands[0][3:9, 3:9].any()


def test_image_edge_counts_as_boundary():
    mask = torch.zeros(1, 12, 12, dtype=torch.bool)
    mask[0, :4, :4] = True  # a 4 x 4 square in the top-left corner
    band = class_boundary_bands(mask, 1)[0]
    # Its inside is only the 2 x 2 block away from every edge, so 12 of 16 pixels are band,
    # among them the corner pixel; with the edge as inside the band would be 7.
    assert int(band.sum()) == 12 and band[0, 0] and not band[1:3, 1:3].any()
    assert boundary_band(torch.ones(12, 12, dtype=torch.long), 2).sum() == 144 - 8 * 8


def test_intersection_and_union_of_a_shifted_square_by_hand():
    pred, label = _square_scene()
    intersection, union = boundary_intersect_and_union(pred, label, 2)
    # Square: the rings share rows 3 and 8 over columns 4-8 (10); union 20 + 20 - 10.
    # Background: the image ring (44) and rows 2 and 9 over columns 3-9 (14); 72 + 72 - 58.
    assert intersection.tolist() == [58, 10] and union.tolist() == [86, 30]
    metric = _metric()
    metric.process({}, [_sample(pred, label)])
    assert metric.compute_metrics(metric.results) == dict(
        mBIoU=round((58 / 86 + 10 / 30) / 2 * 100, 2))  # 50.39


def test_ignore_pixels_are_in_neither_band():
    pred, label = _square_scene()
    label[0] = 255  # the top row of the image ring
    intersection, union = boundary_intersect_and_union(pred, label, 2)
    # Background's ground-truth band: the ring without row 0 (-12) and with row 1's columns
    # 1-10, now next to a non-background pixel (+10): 70; its predicted band 72 - 12 = 60;
    # both: 58 - 12 = 46. Counting row 0 in the predicted band (DDPS) would give 70 + 72 - 46.
    assert intersection.tolist() == [46, 10] and union.tolist() == [70 + 60 - 46, 30]


def test_classes_with_empty_union_are_left_out_of_the_mean():
    label = torch.zeros(12, 12, dtype=torch.long)
    metric = _metric()
    metric.process({}, [_sample(label.clone(), label)])
    assert metric.compute_metrics(metric.results) == dict(mBIoU=100.0)  # square: 0 / 0


def test_two_batches_sum_per_class_to_one_batch_of_both():
    pred, label = _square_scene()
    second_label = torch.zeros(12, 12, dtype=torch.long)
    second_label[1:6, 6:12] = 1  # against the right edge
    second_pred = torch.zeros(12, 12, dtype=torch.long)
    second_pred[2:6, 6:12] = 1
    second_pred[8:10, 0:3] = 1  # a false square
    split, joint = _metric(), _metric()
    split.process({}, [_sample(pred, label)])
    split.process({}, [_sample(second_pred, second_label)])
    joint.process({}, [_sample(pred, label), _sample(second_pred, second_label)])
    assert len(split.results) == 2 and len(joint.results) == 1
    first = boundary_intersect_and_union(pred, label, 2)
    second = boundary_intersect_and_union(second_pred, second_label, 2)
    assert torch.equal(sum(split.results), joint.results[0])
    assert torch.equal(joint.results[0], torch.stack([first[0] + second[0],
                                                      first[1] + second[1]]))
    assert split.compute_metrics(split.results) == joint.compute_metrics(joint.results)
    per_image_mean = (first[0] / first[1] + second[0] / second[1]).mean() / 2 * 100
    assert joint.compute_metrics(joint.results)['mBIoU'] != pytest.approx(float(per_image_mean))


@pytest.mark.parametrize('width_px', [1, 2, 3, 6])
def test_one_separable_min_pool_equals_d_erosions_by_3x3(width_px):
    masks = torch.stack([_blob_labels(seed) == 1 for seed in range(3)])
    expected = _erode_3x3_repeatedly(masks, width_px)
    k = 2 * width_px + 1
    one_square_pool = -F.max_pool2d(-F.pad(masks.float()[None], (width_px,) * 4), k, 1)[0] > 0.5
    assert torch.equal(erode_masks(masks, width_px), expected)
    assert torch.equal(one_square_pool, expected)
    assert expected.sum() < masks.sum()  # something was eroded


@pytest.mark.parametrize('width_px', [1, 2, 6])
def test_label_map_band_equals_every_class_mask_eroded(width_px):
    for seed in range(3):
        labels = _blob_labels(seed)
        masks = torch.stack([labels == k for k in range(5)])
        band = boundary_band(labels, width_px)
        assert torch.equal(band & masks, class_boundary_bands(masks, width_px))


def test_bands_match_opencv_erosion_of_a_zero_bordered_mask():
    """Cheng et al.'s formulation: pad one pixel of zeros, cv2.erode with a 3 x 3 kernel d
    times (cv2's own border leaves the padded ring at 0), mask minus erosion."""
    labels = _blob_labels(7, size=(60, 80))
    width_px = 3
    for k in range(5):
        mask = (labels == k).numpy().astype(np.uint8)
        padded = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
        eroded = cv2.erode(padded, np.ones((3, 3), np.uint8), iterations=width_px)[1:-1, 1:-1]
        expected = torch.from_numpy((mask - eroded).astype(bool))
        assert torch.equal(boundary_band(labels, width_px) & (labels == k), expected)


def test_bad_dilation_ratio_is_one_line_with_the_value():
    with pytest.raises(InputError, match=r"dilation_ratio 0 must be a number in \(0, 1\)"):
        BoundaryIoUMetric(dilation_ratio=0)
