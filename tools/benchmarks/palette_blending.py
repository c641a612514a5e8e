"""How much class-boundary blending costs each palette, without any VQ-VAE.

    python tools/benchmarks/palette_blending.py --palettes A.json B.json \
        --labels NAME LABELS [--labels NAME LABELS ...] [--sigma 1.5 3] [--scale 1 0.5]

A VQ-VAE's worst habit at boundaries is to decode a blend of the two colours. This stand-in
blurs each ground-truth maskige (mask upsampled 2x as GSS does, then X) with a Gaussian of
``sigma`` maskige pixels, applies nearest-colour X^-1 and scores it against the mask at
maskige resolution. Palettes with the same colours in another class order differ only in
which blends land on a third class (``gss/maskige/assignment.py``). LABELS: a folder of label
maps or a glob pattern; ``--scale`` resizes the label maps first (0.5: CamVid's 180x240).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from report import markdown_row  # noqa: E402

from gss.maskige.palette import Maskige  # noqa: E402
from gss.maskige.stage1 import IoUAccumulator  # noqa: E402
from gss.maskige.tokenizer import MASKIGE_SCALE, upsample_mask  # noqa: E402
from gss.maskige.vqvae.trainer import read_label_maps  # noqa: E402


def blurred_reconstruction_iou(maskige: Maskige, label_maps, sigma: float,
                               scale: float = 1.0) -> IoUAccumulator:
    """IoU of X^-1(blur(X(mask))) against the mask, at maskige resolution."""
    acc = IoUAccumulator(maskige.num_classes)
    for label in label_maps:
        if scale != 1.0:
            label = cv2.resize(label, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
        mask = torch.from_numpy(label.astype(np.int64))[None]
        h, w = label.shape
        mask = upsample_mask(mask, (h * MASKIGE_SCALE, w * MASKIGE_SCALE))
        image = maskige.to_maskige(mask)[0].permute(1, 2, 0).numpy()
        image = cv2.GaussianBlur(image, (0, 0), sigma)
        acc.update(maskige.to_mask(torch.from_numpy(image).permute(2, 0, 1)[None]), mask)
    return acc


def main() -> None:
    """The command line (the module docstring shows it)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--palettes', nargs='+', required=True)
    parser.add_argument('--labels', nargs=2, action='append', required=True,
                        metavar=('NAME', 'LABELS'))
    parser.add_argument('--sigma', type=float, nargs='+', default=[1.5, 3.0])
    parser.add_argument('--scale', type=float, nargs='+', default=[1.0])
    parser.add_argument('--classes', type=int, nargs='*', default=[],
                        help='class indices whose IoU is printed next to the mIoU')
    args = parser.parse_args()
    try:
        palettes = {p: Maskige(p) for p in args.palettes}
        sets = {name: read_label_maps(labels) for name, labels in args.labels}
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'palette_blending: {err}')
    header = ['labels', 'scale', 'sigma'] + [osp.basename(p) for p in args.palettes]
    print(markdown_row(header))
    print('|' + '---|' * len(header))
    for name, maps in sets.items():
        for scale in args.scale:
            for sigma in args.sigma:
                cells = []
                for maskige in palettes.values():
                    acc = blurred_reconstruction_iou(maskige, maps, sigma, scale)
                    iou = acc.per_class_iou()
                    extra = ''.join(f' / {iou[c]:.1f}' for c in args.classes)
                    cells.append(f'{acc.miou():.2f}{extra}')
                print(markdown_row([name, f'{scale:g}', f'{sigma:g}'] + cells), flush=True)


if __name__ == '__main__':
    main()
