"""Robustness evaluation parts: the cached corrupted copies, the results file a long run
appends to, P / mPC / rPC, and the tool's argument checks."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile

from gss.datasets.corruptions import DEFAULT_CORRUPTIONS, Corrupt
from gss.errors import InputError
from gss.evaluation.robustness import (CLEAN, RobustnessResults, cache_folder, markdown_table,
                                       png_suffix, summarize, write_corrupted_images)
from tests.conftest import REPO_ROOT

pytest.importorskip('imagecorruptions')


def _entry(corruption, severity, miou, **key):
    return dict(dict(config='c.py', checkpoint='k.pth', cfg_options={}, data_root=None,
                     limit=None, seed=0), **key, corruption=corruption, severity=severity,
                model='m', mIoU=miou, images=4)


def _image_folder(root, names=('b.jpg', 'a.jpg'), size=(48, 64)):
    os.makedirs(root / 'sub', exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for name in names:
        path = str(root / 'sub' / name)
        cv2.imwrite(path, rng.integers(0, 256, (*size, 3), dtype=np.uint8))
        paths.append(path)
    return paths


def test_rpc_is_mpc_over_clean_miou():
    entries = [_entry(CLEAN, 0, 80.0), _entry('fog', 1, 70.0), _entry('fog', 2, 60.0),
               _entry('snow', 1, 50.0), _entry('snow', 2, 20.0)]
    summary = summarize(entries, ['fog', 'snow'], [1, 2])
    assert summary['P'] == 80.0 and summary['mPC'] == 50.0
    assert summary['rPC'] == pytest.approx(50.0 / 80.0)
    assert summary['per_corruption'] == {'fog': 65.0, 'snow': 35.0}
    assert summary['per_severity'] == {0: 80.0, 1: 60.0, 2: 40.0}


def test_a_missing_evaluation_is_not_averaged_away():
    with pytest.raises(KeyError):
        summarize([_entry(CLEAN, 0, 80.0), _entry('fog', 1, 70.0)], ['fog'], [1, 2])


def test_markdown_table_has_a_column_per_model_and_a_row_per_corruption():
    summary = summarize([_entry(CLEAN, 0, 80.0), _entry('fog', 3, 60.0)], ['fog'], [3])
    table = markdown_table({'A': summary, 'B': summary}).splitlines()
    assert table[0] == '| | A | B |' and table[1] == '|---|---|---|'
    assert table[2:] == ['| clean mIoU (P) | 80.00 | 80.00 |', '| mPC | 60.00 | 60.00 |',
                         '| rPC | 0.750 | 0.750 |', '| fog | 60.00 | 60.00 |']


def test_results_file_keeps_every_finished_entry_and_finds_it_again(tmp_path):
    path = str(tmp_path / 'out' / 'robustness.json')
    results = RobustnessResults(path)
    results.add(_entry(CLEAN, 0, 80.0))
    results.add(_entry('fog', 1, 70.0, cfg_options={'a.b': (1, 2)}))
    assert os.listdir(tmp_path / 'out') == ['robustness.json']  # no temporary file left
    reread = RobustnessResults(path)
    assert len(reread.entries) == 2
    assert reread.find(_entry('fog', 1, None, cfg_options={'a.b': [1, 2]}))['mIoU'] == 70.0
    assert reread.find(_entry('fog', 1, None)) is None  # other --cfg-options
    assert reread.find(_entry('fog', 2, None, cfg_options={'a.b': [1, 2]})) is None
    assert reread.find(_entry(CLEAN, 0, None, limit=4)) is None


def test_a_damaged_results_file_is_refused_in_one_line(tmp_path):
    path = tmp_path / 'robustness.json'
    path.write_text('{"entries": [')
    with pytest.raises(InputError, match='not a robustness results file'):
        RobustnessResults(str(path))


def test_cached_copies_are_the_transforms_pixels_under_the_same_names(tmp_path):
    paths = _image_folder(tmp_path / 'img')
    out_dir = cache_folder(str(tmp_path / 'work'), str(tmp_path / 'img'), 'fog', 2, 0)
    assert write_corrupted_images(paths, str(tmp_path / 'img'), '.jpg', out_dir, 'fog', 2,
                                  0) == 2
    for path in paths:
        cached = osp.join(out_dir, 'sub', osp.basename(path).replace('.jpg', '.png'))
        loaded = LoadImageFromFile()(dict(img_path=path))
        expected = Corrupt('fog', 2)(loaded)['img']
        np.testing.assert_array_equal(cv2.imread(cached), expected)


def test_cached_copies_are_written_once(tmp_path):
    paths = _image_folder(tmp_path / 'img')
    out_dir = str(tmp_path / 'cache')
    assert write_corrupted_images(paths, str(tmp_path / 'img'), '.jpg', out_dir,
                                  'gaussian_noise', 1, 0) == 2
    steps = []
    assert write_corrupted_images(paths, str(tmp_path / 'img'), '.jpg', out_dir,
                                  'gaussian_noise', 1, 0, progress=steps.append) == 0
    assert steps == [1, 1]


def test_cache_folders_differ_by_source_seed_corruption_and_severity(tmp_path):
    folders = {cache_folder('w', 'data/a/val', 'fog', 1, 0),
               cache_folder('w', 'data/b/val', 'fog', 1, 0),
               cache_folder('w', 'data/a/val', 'fog', 1, 1),
               cache_folder('w', 'data/a/val', 'snow', 1, 0),
               cache_folder('w', 'data/a/val', 'fog', 2, 0)}
    assert len(folders) == 5
    assert cache_folder('w', 'data/a/val', 'fog', 1, 0) == \
        cache_folder('w', 'data/a/val/', 'fog', 1, 0)


@pytest.mark.parametrize('suffix, expected', [('.jpg', '.png'), ('.png', '.png'),
                                              ('_leftImg8bit.png', '_leftImg8bit.png'),
                                              ('_rgb.jpeg', '_rgb.png')])
def test_png_suffix(suffix, expected):
    assert png_suffix(suffix) == expected


def _tool():
    spec = importlib.util.spec_from_file_location(
        'gss_tool_robustness', osp.join(REPO_ROOT, 'tools', 'analysis', 'robustness.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONFIG = 'configs/baseline/upernet_effnet-lite0_1k_toy-128x128.py'


@pytest.mark.parametrize('options, words', [
    (['--corruptions', 'elastic_transform'], ['elastic_transform', 'moves pixels']),
    (['--corruptions', 'haze'], ["'haze'", 'fog']),
    (['--severities', '0', '6'], ['--severities 0 6', '1, 2, 3, 4, 5']),
    (['--limit', '0'], ['--limit 0']),
])
def test_the_tool_refuses_bad_options_before_building_anything(options, words):
    tool = _tool()
    args = tool.parse_args([CONFIG, 'README.md', *options])
    with pytest.raises(InputError) as err:
        tool.check_args(args)
    assert '\n' not in str(err.value) and all(w in str(err.value) for w in words)


def test_the_tool_defaults_to_the_label_preserving_corruptions_at_every_severity():
    args = _tool().parse_args([CONFIG, 'README.md'])
    assert args.corruptions == list(DEFAULT_CORRUPTIONS) and args.severities == [1, 2, 3, 4, 5]


def test_the_tool_names_models_by_config_and_checkpoint_only_where_needed():
    tool = _tool()
    other = 'configs/baseline/upernet_effnet-lite0_20k_camvid-360x480.py'
    args = tool.parse_args([CONFIG, 'a/iter_1.pth', '--model', CONFIG, 'b/iter_1.pth',
                            '--model', CONFIG, 'b/iter_2.pth', '--model', other, 'c.pth'])
    names = [model.name for model in tool.model_specs(args)]
    assert names == ['upernet_effnet-lite0_1k_toy-128x128 (a/iter_1.pth)',
                     'upernet_effnet-lite0_1k_toy-128x128 (b/iter_1.pth)',
                     'upernet_effnet-lite0_1k_toy-128x128 (iter_2.pth)',
                     'upernet_effnet-lite0_20k_camvid-360x480']


def test_the_tool_refuses_a_model_given_twice():
    tool = _tool()
    args = tool.parse_args([CONFIG, 'a.pth', '--model', CONFIG, './a.pth'])
    with pytest.raises(InputError, match='given twice'):
        tool.model_specs(args)
