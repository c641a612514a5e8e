"""Segment one image with a trained model and write the mask over it (and GSS's maskige).

    python demo/image_demo.py IMAGE CONFIG CHECKPOINT --out-file out.png \
        [--maskige-file maskige.png] [--device cpu] [--opacity 0.5] [--cfg-options ...]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import cv2  # noqa: E402
import torch  # noqa: E402

import gss  # noqa: E402,F401
from gss.apis import (inference_maskige, inference_model, init_model,  # noqa: E402
                      show_result_pyplot)
from gss.datasets.data_roots import image_file_problem  # noqa: E402
from gss.engine import ConfigOptionsAction  # noqa: E402
from gss.errors import InputError, exit_on_input_error  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out-file', required=True, help='the image with the mask over it')
    parser.add_argument('--maskige-file', help='also write the generated maskige (GSS models)')
    parser.add_argument('--device', default='cuda:0' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--opacity', type=float, default=0.5)
    parser.add_argument('--partial-load', action='store_true',
                        help='load only the checkpoint weights that fit the config')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction,
                        help='override config values, e.g. model.decode_head.vqvae.checkpoint=X')
    args = parser.parse_args()
    with exit_on_input_error('image_demo'):
        segment(args)


def segment(args: argparse.Namespace) -> None:
    for path, what in ((args.img, 'image'), (args.config, 'config'),
                       (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: {what} not found')
    if cv2.imread(args.img) is None:
        problem = image_file_problem(args.img) or 'an image OpenCV cannot decode'
        raise InputError(f'{args.img}: {problem}; pass an image file (PNG, JPEG, ...)')
    if not 0 <= args.opacity <= 1:
        raise InputError(f'--opacity {args.opacity}: give a value between 0 and 1')
    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options, partial=args.partial_load)
    result = inference_model(model, args.img)
    show_result_pyplot(model, args.img, result, opacity=args.opacity, show=False,
                       out_file=args.out_file)
    print(f'wrote {args.out_file}')
    if args.maskige_file:
        maskige = inference_maskige(model, args.img)
        cv2.imwrite(args.maskige_file, cv2.cvtColor(maskige, cv2.COLOR_RGB2BGR))
        print(f'wrote {args.maskige_file}')


if __name__ == '__main__':
    main()
