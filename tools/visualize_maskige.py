"""Pictures of stage 1: image | mask | maskige X(mask) | reconstructed maskige | decoded mask.

    python tools/visualize_maskige.py \
        configs/gss/camvid/reconstruction_maskige-vqvae_camvid-360x480.py \
        --num 4 --out-dir work_dirs/maskige_pictures

CONFIG is a stage-1 reconstruction config (it names the dataset, the palette and the VQ-VAE).
Masks are painted with the dataset's visualisation palette (ignore: black); the maskiges are
shown at the mask's size. One PNG per sample, named after its image.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import gss  # noqa: E402,F401
from gss.engine import ConfigOptionsAction, prepare_config  # noqa: E402
from gss.errors import InputError, exit_on_input_error  # noqa: E402

TITLES = ('image', 'mask', 'maskige', 'reconstructed maskige', 'decoded mask')


def paint(mask: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """(H, W) labels -> (H, W, 3) RGB; labels outside the palette are black."""
    out = np.zeros(mask.shape + (3,), np.uint8)
    valid = mask < len(palette)
    out[valid] = palette[mask[valid]]
    return out


def to_rgb_at(maskige: torch.Tensor, size: tuple) -> np.ndarray:
    """(3, sH, sW) in [0, 1] -> (H, W, 3) uint8, area-averaged down to the mask size."""
    image = (maskige.permute(1, 2, 0).clamp(0, 1).numpy() * 255).astype(np.uint8)
    return cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA)


def side_by_side(panels: list, titles=TITLES) -> np.ndarray:
    """Panels (H, W, 3) RGB in a row, each with its title above; returns BGR for cv2."""
    height, width = panels[0].shape[:2]
    header = max(18, height // 12)
    tiles = []
    for panel, title in zip(panels, titles):
        tile = np.full((height + header, width, 3), 255, np.uint8)
        tile[header:] = panel
        cv2.putText(tile, title, (3, header - 5), cv2.FONT_HERSHEY_SIMPLEX,
                    header / 40, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(tile)
    gap = np.full((height + header, 4, 3), 255, np.uint8)
    row = [tiles[0]]
    for tile in tiles[1:]:
        row += [gap, tile]
    return cv2.cvtColor(np.concatenate(row, 1), cv2.COLOR_RGB2BGR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a stage-1 reconstruction config')
    parser.add_argument('--num', type=int, default=4, help='number of samples')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--data-root', help='replace the data root of every dataset')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction)
    args = parser.parse_args()
    with exit_on_input_error('visualize_maskige'):
        visualize(args)


def visualize(args: argparse.Namespace) -> None:
    cfg = prepare_config(args.config, cfg_options=args.cfg_options, data_root=args.data_root,
                         data_keys=('test_dataloader',))
    if cfg.model.get('type') != 'MaskigeReconstructor':
        raise InputError(f'{args.config}: not a stage-1 reconstruction config (model type '
                         f'{cfg.model.get("type")}, expected MaskigeReconstructor)')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    from mmseg.registry import DATASETS, MODELS
    model = MODELS.build(cfg.model)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    palette = np.asarray(dataset.metainfo['palette'], np.uint8)
    os.makedirs(args.out_dir, exist_ok=True)
    for index in range(min(args.num, len(dataset))):
        sample = dataset[index]
        data_sample = sample['data_samples']
        mask = data_sample.gt_sem_seg.data[0].long()
        out = model.tokenizer.reconstruct(mask[None])
        size = tuple(mask.shape)
        image = sample['inputs'].permute(1, 2, 0).numpy()[:, :, ::-1]  # BGR -> RGB
        image = cv2.resize(np.ascontiguousarray(image), (size[1], size[0]))
        panels = [image, paint(mask.numpy(), palette), to_rgb_at(out['input'][0], size),
                  to_rgb_at(out['reconstruction'][0], size),
                  paint(out['scores'][0].argmax(0).numpy(), palette)]
        name = osp.splitext(osp.basename(data_sample.img_path))[0] + '.png'
        cv2.imwrite(osp.join(args.out_dir, name), side_by_side(panels))
        print(osp.join(args.out_dir, name))


if __name__ == '__main__':
    main()
