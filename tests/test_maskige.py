"""X and X^-1: exact against the brute-force definition, and palette validation."""
import json

import pytest
import torch

from gss.maskige.palette import Maskige, load_palette, nearest_colour_brute_force
from gss.maskige.posterior_learning import maximal_distance_palette


@pytest.fixture(scope='module')
def ade_maskige():
    return Maskige(maximal_distance_palette(150).tolist(), num_classes=150)


def test_to_maskige_paints_classes_and_ignore():
    maskige = Maskige([[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]])
    mask = torch.tensor([[[0, 1], [2, 255]], [[3, 7], [1, 0]]])  # 3, 7, 255: not classes
    image = maskige.to_maskige(mask)
    assert image.shape == (2, 3, 2, 2) and image.dtype == torch.float32
    assert image[0, :, 0, 0].tolist() == [1.0, 0.0, 0.0]
    assert image[0, :, 1, 0].tolist() == [0.0, 0.0, 1.0]
    ignore = torch.tensor([10, 20, 30]) / 255.0
    for b, y, x in ((0, 1, 1), (1, 0, 0), (1, 0, 1)):
        assert torch.allclose(image[b, :, y, x], ignore)


def test_to_mask_equals_brute_force_on_arbitrary_colours(ade_maskige):
    gen = torch.Generator().manual_seed(0)
    image = torch.rand(2, 3, 150, 97, generator=gen)  # more rows than one chunk, odd width
    expected = nearest_colour_brute_force(image, ade_maskige.class_colours)
    ours = ade_maskige.to_mask(image)
    # Ties aside: where the two differ, both colours must be equally near in float64.
    distances = (image.double()[:, None] - ade_maskige.class_colours.double()[
        None, :, :, None, None]).pow(2).sum(2)
    gap = (distances.gather(1, ours[:, None]) - distances.gather(1, expected[:, None])).abs()
    differ = ours != expected
    assert differ.float().mean() < 1e-3
    assert (gap[:, 0][differ] < 1e-5).all()


def test_scores_are_negative_squared_distances(ade_maskige):
    image = torch.rand(1, 3, 70, 9, generator=torch.Generator().manual_seed(1))
    colours = ade_maskige.class_colours
    reference = -(image[:, None] - colours[None, :, :, None, None]).pow(2).sum(2)
    scores = ade_maskige.scores(image)
    assert scores.shape == (1, 150, 70, 9)
    assert torch.allclose(scores, reference, atol=1e-5)
    assert torch.equal(scores.argmax(1), ade_maskige.to_mask(image))


def test_round_trip_of_valid_labels(ade_maskige):
    mask = torch.randint(0, 150, (2, 33, 65), generator=torch.Generator().manual_seed(2))
    assert torch.equal(ade_maskige.to_mask(ade_maskige.to_maskige(mask)), mask)


def test_palette_from_json_file(tmp_path):
    path = tmp_path / 'palette.json'
    path.write_text(json.dumps([[0, 0, 0], [255, 255, 255], [128, 0, 0]]))
    palette = load_palette(str(path), num_classes=2)
    assert palette.tolist() == [[0, 0, 0], [255, 255, 255], [128, 0, 0]]


@pytest.mark.parametrize('palette, num_classes, message', [
    ([[0, 0, 0], [1, 1, 1]], 2, 'has 2 colours but num_classes=2 needs 3'),
    ([[0, 0, 0], [9, 9, 9], [0, 0, 0]], None, 'colours 0 and 2 are identical'),
    ([[0, 0, 256], [1, 1, 1]], None, 'colour 0 = [0.0, 0.0, 256.0] is not three integers'),
    ([[0, 0, -1], [1, 1, 1]], None, 'is not three integers in 0-255'),
    ([[0, 0], [1, 1]], None, 'colour 0 is [0, 0], not [r, g, b]'),
])
def test_bad_palettes_are_rejected_with_the_reason(palette, num_classes, message):
    with pytest.raises(ValueError, match=message.replace('[', r'\[').replace(']', r'\]')):
        Maskige(palette, num_classes)


def test_missing_palette_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='absent.json: palette file not found'):
        load_palette(str(tmp_path / 'absent.json'))
