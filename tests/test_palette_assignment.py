"""Which class gets which colour: boundary statistics, blends that land on a third class, the
search, and the shipped CamVid palette it produced."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from gss.maskige.assignment import (assign_colours, assignment_cost, blend_confusions,
                                    boundary_statistics, neighbour_contrast)

BLACK, WHITE, GREY, RED = (0, 0, 0), (255, 255, 255), (128, 128, 128), (255, 0, 0)


def test_boundary_statistics_count_touching_pairs_and_areas():
    label = np.array([[0, 0, 1],
                      [0, 2, 1],
                      [9, 9, 1]], np.uint8)  # 9: outside [0, 3), ignore
    adjacency, areas = boundary_statistics([label, label], num_classes=3)
    assert areas.tolist() == [6, 6, 2, 4]
    assert adjacency[0, 1] == adjacency[1, 0] == 2  # (0,0)-(0,1)... once per map, twice
    assert adjacency[0, 2] == 4 and adjacency[1, 2] == 2 and adjacency[2, 3] == 2
    assert adjacency[0, 3] == 2 and adjacency[1, 3] == 2
    assert np.diag(adjacency).sum() == 0


def test_the_midpoint_of_black_and_white_decodes_as_grey():
    rows = blend_confusions(np.array([BLACK, WHITE, GREY, RED]))
    black_white = rows[(rows[:, 0] == 0) & (rows[:, 1] == 1)]
    # of the blends at 0.2, 0.3, ..., 0.8, those from 0.3 to 0.7 (64 < value < 191) are
    # nearer grey than black or white
    assert black_white[:, 2].tolist() == [2] and black_white[0, 3] == pytest.approx(5 / 7)
    assert not ((rows[:, 2] == 3).any())  # the ignore colour is never a decoded class


def test_search_takes_the_midpoint_colour_away_from_the_classes_that_touch():
    colours = np.array([BLACK, WHITE, GREY, RED])
    adjacency = np.zeros((4, 4))
    adjacency[0, 1] = adjacency[1, 0] = 1000  # classes 0 and 1 share long boundaries
    areas = np.array([1000, 1000, 10, 0])  # class 2 is rare: its false positives cost most
    reordered, before, after = assign_colours(colours, adjacency, areas)
    assert before > 0 and after == 0
    assert reordered[2].tolist() != list(GREY) and reordered[3].tolist() == list(RED)
    assert sorted(map(tuple, reordered.tolist())) == sorted([BLACK, WHITE, GREY, RED])
    order = [reordered.tolist().index(list(c)) for c in colours.tolist()]
    assert assignment_cost(np.argsort(order), blend_confusions(colours), adjacency,
                           areas) == pytest.approx(after)


def test_neighbour_contrast_weighs_colour_distances_by_how_often_classes_touch():
    colours = np.array([BLACK, WHITE, GREY, RED])
    adjacency = np.zeros((4, 4))
    adjacency[0, 1] = adjacency[1, 0] = 3
    adjacency[0, 2] = adjacency[2, 0] = 1
    black_white, black_grey = np.sqrt(3 * 255 ** 2), np.sqrt(3 * 128 ** 2)  # 441.7, 221.7
    contrast = neighbour_contrast(np.arange(4), colours, adjacency)
    assert contrast.tolist() == pytest.approx([(3 * black_white + black_grey) / 4, black_white,
                                               black_grey, 0.0])
    swapped = neighbour_contrast(np.array([0, 2, 1, 3]), colours, adjacency)  # 1 grey, 2 white
    assert swapped[0] == pytest.approx((3 * black_grey + black_white) / 4)


def test_a_class_that_keeps_its_contrast_holds_the_search_back():
    """Without the constraint the search gives class 0 or 1 the grey (their blends then land on
    no class) and halves class 0's contrast to class 1; keeping it leaves the blend damage."""
    colours = np.array([BLACK, WHITE, GREY, RED])
    adjacency = np.zeros((4, 4))
    adjacency[0, 1] = adjacency[1, 0] = 1000
    areas = np.array([1000, 1000, 10, 0])
    free, before, after = assign_colours(colours, adjacency, areas)
    kept, kept_before, kept_after = assign_colours(colours, adjacency, areas, keep_contrast=[0])
    order_of = lambda reordered: np.array([colours.tolist().index(c)  # noqa: E731
                                           for c in reordered.tolist()])
    free_contrast = neighbour_contrast(order_of(free), colours, adjacency)[0]
    assert min(abs(free_contrast - 221.70), abs(free_contrast - 219.97)) < 0.01  # grey-black/white
    assert neighbour_contrast(order_of(kept), colours, adjacency)[0] == pytest.approx(441.7,
                                                                                      abs=0.1)
    assert after == 0 and kept_before == before > 0
    assert kept_after == pytest.approx(before)
    with pytest.raises(ValueError, match=r'keep_contrast.*\[0, 3\).*\[3\]'):
        assign_colours(colours, adjacency, areas, keep_contrast=[3])  # 3 is ignore


def test_tool_refuses_keep_contrast_without_label_maps_or_out_of_range(repo_root, tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, 'tools/posterior_learning.py', '--num_classes',
                               '3', '--baseline-seeds', '1', *args], cwd=repo_root,
                              capture_output=True, text=True)

    result = run('--keep-contrast', '2')
    assert result.returncode == 1
    assert '--keep-contrast needs --assign-from' in result.stderr and not result.stdout
    from PIL import Image
    Image.fromarray(np.array([[0, 1], [2, 2]], np.uint8)).save(tmp_path / 'label.png')
    result = run('--assign-from', str(tmp_path), '--keep-contrast', '3')  # 3 is ignore
    assert result.returncode == 1
    assert 'posterior_learning: --keep-contrast: keep_contrast: class indices must be in [0, 3)' \
        in result.stderr


CAMVID = osp.join(osp.dirname(__file__), '..', '..', 'shared', 'datasets', 'camvid')


@pytest.mark.slow
def test_tool_reproduces_the_shipped_blend_aware_camvid_palette(repo_root, tmp_path):
    if not osp.isdir(CAMVID):
        pytest.skip(f'{CAMVID}: CamVid development copy not present')
    out = tmp_path / 'palette.json'
    result = subprocess.run(
        [sys.executable, 'tools/posterior_learning.py', '--num_classes', '11', '--assign-from',
         f'{CAMVID}/trainannot/00??[TE]*.png', '--out', str(out), '--baseline-seeds', '3'],
        cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert 'class-to-colour assignment from 266 label maps' in result.stdout
    shipped = json.load(open(osp.join(repo_root, 'configs/_base_/palettes/'
                                      'camvid_11_blend-aware.json')))
    assert json.loads(out.read_text()) == shipped
    plain = json.load(open(osp.join(repo_root, 'configs/_base_/palettes/camvid_11.json')))
    assert sorted(shipped) == sorted(plain) and shipped != plain  # same colours, new order


@pytest.mark.slow
def test_tool_reproduces_the_shipped_thin_contrast_camvid_palette(repo_root, tmp_path):
    """--keep-contrast 2: pole keeps its contrast (347 -> 346 instead of 236 in the blend-aware
    order) for 2.3x the blend damage of the blend-aware order (0.392 against 0.174)."""
    if not osp.isdir(CAMVID):
        pytest.skip(f'{CAMVID}: CamVid development copy not present')
    out = tmp_path / 'palette.json'
    result = subprocess.run(
        [sys.executable, 'tools/posterior_learning.py', '--num_classes', '11', '--assign-from',
         f'{CAMVID}/trainannot/00??[TE]*.png', '--keep-contrast', '2', '--out', str(out),
         '--baseline-seeds', '3'], cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert 'expected blend damage 1.923 -> 0.392' in result.stdout
    assert 'class 2: colour contrast to its neighbours 347 -> 346' in result.stdout
    shipped = json.load(open(osp.join(repo_root, 'configs/_base_/palettes/'
                                      'camvid_11_thin-contrast.json')))
    assert json.loads(out.read_text()) == shipped


def test_blurred_boundaries_decode_as_a_third_class_only_with_the_old_camvid_order(
        monkeypatch, repo_root):
    """tools/benchmarks/palette_blending.py: a sky | tree boundary, blurred, paints a line of
    pedestrian with camvid_11.json (pedestrian is their midpoint) and none with the blend-aware
    order; without blur both reconstruct exactly."""
    from gss.maskige.palette import Maskige
    monkeypatch.syspath_prepend(osp.join(repo_root, 'tools', 'benchmarks'))
    from palette_blending import blurred_reconstruction_iou
    sky_tree = np.zeros((32, 32), np.uint8)
    sky_tree[:, 16:] = 5
    palettes = osp.join(repo_root, 'configs', '_base_', 'palettes')
    old = Maskige(osp.join(palettes, 'camvid_11.json'))
    new = Maskige(osp.join(palettes, 'camvid_11_blend-aware.json'))
    for maskige in (old, new):
        assert blurred_reconstruction_iou(maskige, [sky_tree], sigma=0.3).miou() == 100.0
    pedestrian_old = blurred_reconstruction_iou(old, [sky_tree], sigma=2.0)
    pedestrian_new = blurred_reconstruction_iou(new, [sky_tree], sigma=2.0)
    assert pedestrian_old.union[9] > 0 and pedestrian_old.intersection[9] == 0
    assert pedestrian_new.union[9] == 0 and pedestrian_new.miou() == 100.0
