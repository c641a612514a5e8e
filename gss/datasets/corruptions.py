"""Common image corruptions (the ImageNet-C set: noise, blur, weather, digital, as packaged by
``imagecorruptions``) applied to test images, repeatably.

The library is imported only when a corruption is applied, so that only robustness runs need
it (``requirements/robustness.txt`` says how to install it). Labels stay as they are: the
corruptions offered here change pixel values and keep the scene in place (the blurs, and
glass_blur's swaps of neighbouring pixels, move nothing by more than a few pixels);
``elastic_transform`` warps the whole image, so it is refused.
"""
from __future__ import annotations

import hashlib
import os.path as osp
from types import ModuleType
from typing import Dict, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from gss.errors import InputError

# The library's names, in its order, by its groups ('common' = the first four groups).
CORRUPTION_GROUPS: Dict[str, Tuple[str, ...]] = {
    'noise': ('gaussian_noise', 'shot_noise', 'impulse_noise'),
    'blur': ('defocus_blur', 'glass_blur', 'motion_blur', 'zoom_blur'),
    'weather': ('snow', 'frost', 'fog', 'brightness'),
    'digital': ('contrast', 'elastic_transform', 'pixelate', 'jpeg_compression'),
    'validation': ('speckle_noise', 'gaussian_blur', 'spatter', 'saturate'),
}
COMMON_CORRUPTIONS = tuple(name for group in ('noise', 'blur', 'weather', 'digital')
                           for name in CORRUPTION_GROUPS[group])
# Corruptions that move pixels would need the labels moved with them.
MOVES_PIXELS = {'elastic_transform': 'it moves pixels, so the fixed labels would no longer fit'}
# What a robustness run evaluates by default: the common ones that leave the labels valid.
DEFAULT_CORRUPTIONS = tuple(name for name in COMMON_CORRUPTIONS if name not in MOVES_PIXELS)
CORRUPTIONS = tuple(name for names in CORRUPTION_GROUPS.values() for name in names
                    if name not in MOVES_PIXELS)
SEVERITIES = (1, 2, 3, 4, 5)
# These two draw from generators of their own (numba's, and scikit-image's default_rng), not
# from numpy's global state; they take their seed as an argument instead.
_SEEDED_BY_ARGUMENT = ('glass_blur', 'impulse_noise')
INSTALL_HINT = ('pip install -r requirements/robustness.txt && '
                'pip install --no-deps imagecorruptions-imaug==1.1.5')


def check_corruption(corruption: str, severity: int) -> None:
    """Refuse an unknown or label-moving corruption, or a severity outside 1-5, in one line.

    Raises:
        InputError: naming the value and the choices.
    """
    if corruption in MOVES_PIXELS:
        raise InputError(f'corruption {corruption!r} is not supported: '
                         f'{MOVES_PIXELS[corruption]}')
    if corruption not in CORRUPTIONS:
        raise InputError(f'unknown corruption {corruption!r}; choose from '
                         f'{", ".join(CORRUPTIONS)}')
    if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)) or \
            severity not in SEVERITIES:
        raise InputError(f'severity {severity!r} of {corruption} is not one of '
                         f'{", ".join(map(str, SEVERITIES))}')


def expand_corruptions(names: Sequence[str]) -> Tuple[str, ...]:
    """Corruption names with group names (``noise``, ``blur``, ``weather``, ``digital``,
    ``validation``, ``common``) replaced by their members, duplicates dropped, order kept;
    ``common`` and the ``digital`` group leave ``elastic_transform`` out.

    Raises:
        InputError: a name is neither a corruption nor a group, or moves pixels.
    """
    groups = dict(CORRUPTION_GROUPS, common=COMMON_CORRUPTIONS)
    expanded = []
    for name in names:
        if name in groups:
            expanded += [member for member in groups[name] if member not in MOVES_PIXELS]
        else:
            check_corruption(name, SEVERITIES[0])
            expanded.append(name)
    return tuple(dict.fromkeys(expanded))


def corruption_seed(seed: int, corruption: str, severity: int, image_name: str) -> int:
    """The random seed of one corrupted image, a 32-bit integer (what ``np.random.seed``
    takes) derived from all four values, so every image, corruption and severity gets its own
    noise and a rerun the same, whatever order images are processed in."""
    key = f'{seed}\0{corruption}\0{severity}\0{image_name}'.encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], 'little')


def _library() -> ModuleType:
    try:
        import imagecorruptions
    except ImportError as err:
        raise InputError(f'image corruptions need the imagecorruptions library '
                         f'({err}); install it with: {INSTALL_HINT}') from None
    return imagecorruptions


def corrupt_rgb(rgb: np.ndarray, corruption: str, severity: int, rng_seed: int) -> np.ndarray:
    """``rgb`` (H, W, 3) uint8 corrupted by the library with its random draws seeded by
    ``rng_seed``; (H, W, 3) uint8.

    The library draws from numpy's global random state. It is seeded for the call and restored
    afterwards: left seeded, every other user of the global state in the process (random
    augmentations, other seeded code) would restart from the same numbers at every image.
    """
    check_corruption(corruption, severity)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InputError(f'{corruption}: needs an (H, W, 3) uint8 image, got '
                         f'{rgb.shape} {rgb.dtype} (apply it right after LoadImageFromFile, '
                         f'without to_float32)')
    if min(rgb.shape[:2]) < 32:
        raise InputError(f'{corruption}: the image is {rgb.shape[0]}x{rgb.shape[1]}; the '
                         f'corruptions need at least 32x32 pixels')
    library = _library()
    kwargs = {'seed': rng_seed} if corruption in _SEEDED_BY_ARGUMENT else {}
    state = np.random.get_state()
    try:
        np.random.seed(rng_seed)
        return library.corrupt(rgb, severity=int(severity), corruption_name=corruption, **kwargs)
    finally:
        np.random.set_state(state)


def corrupt_bgr(bgr: np.ndarray, corruption: str, severity: int, seed: int,
                image_name: str) -> np.ndarray:
    """An image as mmcv loads it, (H, W, 3) uint8 BGR, corrupted as the RGB image it shows
    (colour-dependent corruptions such as frost, fog and snow expect RGB), back in BGR; the
    random draws are seeded by :func:`corruption_seed` of the image's file name."""
    rng_seed = corruption_seed(seed, corruption, severity, image_name)
    rgb = np.ascontiguousarray(bgr[..., ::-1])
    return np.ascontiguousarray(corrupt_rgb(rgb, corruption, severity, rng_seed)[..., ::-1])


@TRANSFORMS.register_module()
class Corrupt(BaseTransform):
    """Corrupt the test image at one severity, repeatably: place it right after
    ``LoadImageFromFile``, so the image is corrupted at full resolution before any resize.

    Random draws are seeded from ``(seed, corruption, severity, file name)``: two runs give
    identical pixels, and every image its own noise. Labels are not touched; corruptions that
    move pixels (``elastic_transform``) are refused.

    Args:
        corruption: one of :data:`CORRUPTIONS`.
        severity: 1 (mild) to 5 (strong).
        seed: varies the noise of every image at once.
    """

    def __init__(self, corruption: str, severity: int, seed: int = 0) -> None:
        check_corruption(corruption, severity)
        self.corruption = corruption
        self.severity = int(severity)
        self.seed = seed

    def transform(self, results: dict) -> dict:
        # Images without a file (mmseg's inference on arrays) share the empty name's noise.
        name = osp.basename(results.get('img_path') or '')
        results['img'] = corrupt_bgr(results['img'], self.corruption, self.severity, self.seed,
                                     name)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(corruption={self.corruption!r}, '
                f'severity={self.severity}, seed={self.seed})')
