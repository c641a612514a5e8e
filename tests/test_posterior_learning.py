"""Posterior learning of X: far-apart palettes, beating the original jittered grid."""
import json
import subprocess
import sys

import numpy as np
import pytest

from gss.maskige.posterior_learning import (maximal_distance_palette,
                                            original_jittered_grid_palette, original_method_stats,
                                            palette_stats)


@pytest.mark.parametrize('num_classes, factor', [(19, 1.5), (150, 3.0), (194, 2.0)])
def test_minimum_distance_beats_the_original(num_classes, factor):
    palette = maximal_distance_palette(num_classes)
    ours = palette_stats(palette[:-1])['min']
    original = original_method_stats(num_classes, seeds=51)['min']
    assert ours >= factor * original, (ours, original)


def test_original_generator_matches_the_spec_at_150():
    grid = original_jittered_grid_palette(150, seed=0)
    assert grid.shape == (150, 3)
    assert 10 < original_method_stats(150, seeds=51)['min'] < 25  # the spec: median about 16


def test_small_k_uses_cube_corners_far_from_black():
    palette = maximal_distance_palette(7)
    assert palette_stats(palette[:-1])['min'] == pytest.approx(255.0)
    assert palette[-1].tolist() == [0, 0, 0]


@pytest.mark.parametrize('num_classes', [2, 11, 1000])
def test_palette_is_valid_deterministic_and_far_from_ignore(num_classes):
    palette = maximal_distance_palette(num_classes, seed=3)
    assert palette.shape == (num_classes + 1, 3)
    assert palette.min() >= 0 and palette.max() <= 255
    assert len({tuple(c) for c in palette.tolist()}) == num_classes + 1
    assert np.array_equal(palette, maximal_distance_palette(num_classes, seed=3))
    to_ignore = np.sqrt(((palette[:-1] - palette[-1]) ** 2).sum(1)).min()
    assert to_ignore >= 0.9 * palette_stats(palette[:-1])['min']


@pytest.mark.parametrize('num_classes', [1, 1001])
def test_out_of_range_k_is_rejected(num_classes):
    with pytest.raises(ValueError, match='between 2 and 1000'):
        maximal_distance_palette(num_classes)


@pytest.mark.slow
def test_tool_writes_json_and_prints_both_methods(tmp_path, repo_root):
    out = tmp_path / 'palette.json'
    result = subprocess.run([sys.executable, 'tools/posterior_learning.py', '--num_classes', '19',
                             '--out', str(out), '--baseline-seeds', '11'],
                            cwd=repo_root, capture_output=True, text=True, check=True)
    palette = json.loads(out.read_text())
    assert len(palette) == 20 and palette[-1] == [0, 0, 0]
    assert 'K=19  min distance' in result.stdout
    assert 'original jittered grid, median of 11 seeds' in result.stdout
