"""The Corrupt transform: the library's pixels for a given seed, repeatable per image, BGR
handled, labels left alone, bad arguments refused in one line."""
import sys

import numpy as np
import pytest
from mmseg.registry import TRANSFORMS

from gss.datasets.corruptions import (COMMON_CORRUPTIONS, CORRUPTION_GROUPS, CORRUPTIONS,
                                      DEFAULT_CORRUPTIONS, Corrupt, corruption_seed,
                                      expand_corruptions)
from gss.errors import InputError

imagecorruptions = pytest.importorskip('imagecorruptions')


def _bgr(height=64, width=80, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def _apply(corruption, severity, img, name='scene_0001.png', seed=0) -> np.ndarray:
    results = dict(img=img.copy(), img_path=f'/data/img_dir/val/{name}')
    return Corrupt(corruption, severity, seed=seed)(results)['img']


@pytest.mark.parametrize('corruption', ['gaussian_noise', 'shot_noise', 'motion_blur', 'snow',
                                        'frost', 'fog', 'contrast', 'jpeg_compression'])
def test_pixels_are_the_librarys_on_the_rgb_image_with_the_same_numpy_seed(corruption):
    bgr = _bgr()
    rng_seed = corruption_seed(0, corruption, 3, 'scene_0001.png')
    np.random.seed(rng_seed)
    expected_rgb = imagecorruptions.corrupt(bgr[..., ::-1].copy(), severity=3,
                                            corruption_name=corruption)
    out = _apply(corruption, 3, bgr)
    assert out.dtype == np.uint8 and out.shape == bgr.shape
    np.testing.assert_array_equal(out, expected_rgb[..., ::-1])


def test_impulse_noise_gets_its_seed_as_an_argument():
    # scikit-image draws its salt and pepper from a generator of its own, not numpy's global
    # state: without the argument every run would differ.
    bgr = _bgr()
    rng_seed = corruption_seed(0, 'impulse_noise', 2, 'scene_0001.png')
    expected_rgb = imagecorruptions.corrupt(bgr[..., ::-1].copy(), severity=2,
                                            corruption_name='impulse_noise', seed=rng_seed)
    np.testing.assert_array_equal(_apply('impulse_noise', 2, bgr), expected_rgb[..., ::-1])


@pytest.mark.parametrize('corruption', ['gaussian_noise', 'impulse_noise', 'frost', 'spatter'])
def test_two_runs_give_identical_pixels(corruption):
    bgr = _bgr()
    np.testing.assert_array_equal(_apply(corruption, 4, bgr), _apply(corruption, 4, bgr))


@pytest.mark.slow  # numba compiles glass_blur's pixel shuffle (several seconds)
def test_glass_blur_repeats_exactly():
    bgr = _bgr()
    first, second = _apply('glass_blur', 1, bgr), _apply('glass_blur', 1, bgr)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, _apply('glass_blur', 1, bgr, name='scene_0002.png'))


def test_different_file_names_seeds_and_severities_give_different_noise():
    bgr = _bgr()
    reference = _apply('gaussian_noise', 3, bgr)
    assert not np.array_equal(reference, _apply('gaussian_noise', 3, bgr, name='other.png'))
    assert not np.array_equal(reference, _apply('gaussian_noise', 3, bgr, seed=1))
    # Same noise draw scaled differently would correlate; a new draw does not.
    noise_3 = reference.astype(float) - bgr
    noise_2 = _apply('gaussian_noise', 2, bgr).astype(float) - bgr
    assert abs(np.corrcoef(noise_3.ravel(), noise_2.ravel())[0, 1]) < 0.2


def test_only_the_file_name_matters_not_the_folder():
    bgr = _bgr()
    results = dict(img=bgr.copy(), img_path='/elsewhere/copy/scene_0001.png')
    moved = Corrupt('gaussian_noise', 3)(results)['img']
    np.testing.assert_array_equal(moved, _apply('gaussian_noise', 3, bgr))


def test_numpys_global_random_state_is_restored():
    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    _apply('gaussian_noise', 3, _bgr())
    np.testing.assert_array_equal(np.random.rand(3), expected)


@pytest.mark.parametrize('corruption', ['gaussian_noise', 'contrast', 'fog', 'frost'])
def test_a_red_image_stays_red_in_bgr_order(corruption):
    bgr = np.zeros((64, 64, 3), np.uint8)
    bgr[..., 2] = 255  # pure red, as mmcv loads it
    out = _apply(corruption, 1, bgr).reshape(-1, 3).mean(0)
    assert out[2] > out[0] + 50 and out[2] > out[1] + 50, out


def test_labels_and_other_keys_are_left_alone():
    labels = np.arange(64 * 80).reshape(64, 80) % 7
    results = dict(img=_bgr(), img_path='a.png', gt_seg_map=labels.copy(), img_shape=(64, 80))
    out = Corrupt('motion_blur', 5)(results)
    np.testing.assert_array_equal(out['gt_seg_map'], labels)
    assert out['img_shape'] == (64, 80)


def test_images_without_a_file_name_are_corrupted_too():
    out = Corrupt('gaussian_noise', 2)(dict(img=_bgr(), img_path=None))['img']
    assert not np.array_equal(out, _bgr())


def test_a_missing_library_is_named_with_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, 'imagecorruptions', None)  # as if not installed
    transform = Corrupt('fog', 1)  # building needs no library: configs load without it
    with pytest.raises(InputError, match='pip install --no-deps imagecorruptions-imaug==1.1.5'):
        transform(dict(img=_bgr(), img_path='a.png'))


def test_built_from_a_pipeline_config():
    transform = TRANSFORMS.build(dict(type='Corrupt', corruption='fog', severity=2, seed=3))
    assert isinstance(transform, Corrupt)
    assert repr(transform) == "Corrupt(corruption='fog', severity=2, seed=3)"


@pytest.mark.parametrize('corruption, severity, words', [
    ('snowfall', 1, ["'snowfall'", 'gaussian_noise', 'jpeg_compression']),
    ('fog', 0, ['severity 0', '1, 2, 3, 4, 5']),
    ('fog', 6, ['severity 6', '1, 2, 3, 4, 5']),
    ('fog', '3', ["severity '3'"]),
    ('fog', True, ['severity True']),
    ('elastic_transform', 2, ['elastic_transform', 'moves pixels', 'labels']),
])
def test_bad_arguments_are_refused_in_one_line(corruption, severity, words):
    with pytest.raises(InputError) as err:
        Corrupt(corruption, severity)
    message = str(err.value)
    assert '\n' not in message and all(word in message for word in words), message


@pytest.mark.parametrize('img, words', [
    (np.zeros((64, 64), np.uint8), ['(64, 64)', 'uint8']),
    (np.zeros((64, 64, 3), np.float32), ['float32', 'to_float32']),
    (np.zeros((20, 64, 3), np.uint8), ['20x64', '32x32']),
])
def test_images_the_library_cannot_take_are_refused(img, words):
    with pytest.raises(InputError) as err:
        Corrupt('contrast', 1)(dict(img=img, img_path='a.png'))
    assert all(word in str(err.value) for word in words), str(err.value)


def test_the_names_are_the_librarys_and_the_default_keeps_labels_valid():
    assert COMMON_CORRUPTIONS == tuple(imagecorruptions.get_corruption_names('common'))
    assert set(CORRUPTIONS) | {'elastic_transform'} == \
        set(imagecorruptions.get_corruption_names('all'))
    assert len(DEFAULT_CORRUPTIONS) == 14 and 'elastic_transform' not in DEFAULT_CORRUPTIONS


def test_groups_expand_to_their_members_without_elastic_transform():
    assert expand_corruptions(['noise']) == CORRUPTION_GROUPS['noise']
    assert expand_corruptions(['common']) == DEFAULT_CORRUPTIONS
    assert expand_corruptions(['fog', 'weather']) == ('fog', 'snow', 'frost', 'brightness')
    assert 'elastic_transform' not in expand_corruptions(['digital'])
    with pytest.raises(InputError, match='moves pixels'):
        expand_corruptions(['elastic_transform'])


def test_the_seed_depends_on_every_part_and_fits_numpy():
    seeds = {corruption_seed(0, 'fog', 1, 'a.png'), corruption_seed(1, 'fog', 1, 'a.png'),
             corruption_seed(0, 'snow', 1, 'a.png'), corruption_seed(0, 'fog', 2, 'a.png'),
             corruption_seed(0, 'fog', 1, 'b.png')}
    assert len(seeds) == 5 and all(0 <= s < 2 ** 32 for s in seeds)
    assert corruption_seed(0, 'fog', 1, 'a.png') == corruption_seed(0, 'fog', 1, 'a.png')


@pytest.mark.slow  # glass_blur and zoom_blur take seconds at this size
@pytest.mark.parametrize('shape', [(180, 240, 3), (360, 480, 3)])
def test_every_default_corruption_runs_at_every_severity(shape):
    bgr = _bgr(*shape[:2])
    for corruption in DEFAULT_CORRUPTIONS:
        for severity in range(1, 6):
            out = _apply(corruption, severity, bgr)
            assert out.shape == shape and out.dtype == np.uint8, (corruption, severity)
