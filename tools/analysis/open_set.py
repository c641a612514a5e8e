"""Open-set scores of one or more segmentors trained with classes left out:

    python tools/analysis/open_set.py CONFIG CHECKPOINT [--model CONFIG2 CHECKPOINT2 ...]
        [--limit N] [--data-root PATH] [--cfg-options K=V ...] [--out FILE.json]
        [--device cpu|cuda] [--figure OUT.png [--figure-image INDEX]]

A config of the protocol restricts its test dataset's classes (dataset ``metainfo=dict(
classes=...)``, e.g. configs/_base_/datasets/camvid_180x240_unknown-bicyclist.py); the classes
of the dataset type that it leaves out are the unknowns. The test images are read with the
full class list, so their pixels are known, unknown or void (void takes no part). Per model:
the known classes' mIoU, and AUROC, AP and FPR at 95 % TPR of every score
(gss.evaluation.open_set), pooled over the test pixels; a markdown table, and JSON with --out.
--figure draws one test image's score maps, a row per model.
"""
import argparse
import copy
import json
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import gss  # noqa: F401  (compatibility patches and registries)
from gss.apis import init_model
from gss.engine import ConfigOptionsAction, prepare_config, run_tool
from gss.engine.model_specs import (ModelSpec, Progress, add_model_arguments, check_model_files,
                                    model_specs, require_matplotlib)
from gss.errors import InputError
from gss.evaluation.open_set import (OPEN_SET_METRICS, OpenSetPixels, plot_score_maps,
                                     predict_with_open_set_scores)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='AUROC, AP and FPR95 of open-set pixel scores of segmentors trained with '
                    'classes left out.')
    add_model_arguments(parser)
    parser.add_argument('--limit', type=int, help='evaluate the first N test images only')
    parser.add_argument('--data-root', help='replace the data root of every test dataset')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction,
                        help='override config values of every model')
    parser.add_argument('--out', help='write the results as JSON to this file')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='cpu or cuda (default: cuda if available)')
    parser.add_argument('--figure', metavar='OUT.png',
                        help='draw the score maps of one test image, a row per model')
    parser.add_argument('--figure-image', type=int, default=0, metavar='INDEX',
                        help='which test image --figure draws (default 0, the first)')
    return parser.parse_args(argv)


def class_split(cfg: Config, config_path: str) -> Tuple[List[str], List[str], type]:
    """(known classes, unknown classes, dataset type) of a config's test dataset."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    from mmseg.registry import DATASETS

    dataset = cfg.test_dataloader.dataset
    dataset_type = DATASETS.get(dataset.type)
    if dataset_type is None or 'classes' not in getattr(dataset_type, 'METAINFO', {}):
        raise InputError(f'{config_path}: test dataset type {dataset.type!r} has no class list '
                         f'(METAINFO classes)')
    full = list(dataset_type.METAINFO['classes'])
    known = list((dataset.get('metainfo') or {}).get('classes', full))
    strange = [name for name in known if name not in full]
    if strange:
        raise InputError(f'{config_path}: test_dataloader.dataset.metainfo.classes has '
                         f'{", ".join(map(repr, strange))}, not classes of {dataset.type} '
                         f'({", ".join(full)})')
    unknown = [name for name in full if name not in known]
    if not unknown:
        raise InputError(f'{config_path}: its test dataset keeps every class of '
                         f'{dataset.type}; leave the unknown ones out with the dataset\'s '
                         f'metainfo=dict(classes=...) (e.g. configs/_base_/datasets/'
                         f'camvid_180x240_unknown-bicyclist.py)')
    return known, unknown, dataset_type


def full_label_loader(cfg: Config, limit: Optional[int]) -> dict:
    """The test dataloader with the dataset's full class list, so unknown pixels keep their
    labels, one image per batch, in this process."""
    loader = copy.deepcopy(cfg.test_dataloader)
    loader.dataset.pop('metainfo', None)
    loader.batch_size = 1
    loader.num_workers = 0
    loader.pop('persistent_workers', None)
    if limit:
        loader.dataset.indices = limit
    return loader


def evaluate_model(model_spec: ModelSpec, args: argparse.Namespace,
                   figure: Dict[str, object]) -> Dict[str, object]:
    """The open-set results of one model (OpenSetPixels.results, plus the class split); with
    --figure, the drawn image's picture, unknown mask and this model's maps go into
    ``figure``."""
    cfg = prepare_config(model_spec.config, None, args.cfg_options, data_root=args.data_root,
                         data_keys=('test_dataloader',))
    known, unknown, dataset_type = class_split(cfg, model_spec.config)
    head_classes = cfg.model.decode_head.get('num_classes')
    if head_classes != len(known):
        raise InputError(f'{model_spec.config}: model.decode_head.num_classes is {head_classes}'
                         f' but the test dataset keeps {len(known)} classes')
    model = init_model(cfg, model_spec.checkpoint, args.device)
    model.eval()
    loader = Runner.build_dataloader(full_label_loader(cfg, args.limit))
    full = list(dataset_type.METAINFO['classes'])
    ignore = cfg.model.decode_head.get('ignore_index', 255)
    pixels = OpenSetPixels([known.index(n) if n in known else ignore for n in full],
                           [full.index(n) for n in unknown], ignore)
    progress = Progress(len(loader), model_spec.name)
    for index, data in enumerate(loader):
        for output, sample in zip(predict_with_open_set_scores(model, data),
                                  data['data_samples']):
            pred = output.pop('pred')
            pixels.add(sample.gt_sem_seg.data[0], pred, output)
            if args.figure and index == args.figure_image:
                keep_for_figure(figure, model_spec.name, data, sample, output, pixels)
        progress.step()
    progress.close()
    return dict(pixels.results(), known_classes=known, unknown_classes=unknown,
                images=len(loader.dataset))


def keep_for_figure(figure: Dict[str, object], name: str, data: dict, sample,
                    output: Dict[str, torch.Tensor], pixels: OpenSetPixels) -> None:
    """The drawn image (RGB, at the label's size), its unknown pixels and the model's maps."""
    label = sample.gt_sem_seg.data[0].long().cpu()
    image = data['inputs'][0].float()[None]  # the test pipeline's BGR image
    image = torch.nn.functional.interpolate(image, size=label.shape, mode='bilinear')
    figure['image'] = image[0].flip(0).permute(1, 2, 0).clamp(0, 255).byte().numpy()
    figure['unknown'] = pixels.unknown_lut[label].numpy()
    figure.setdefault('maps', {})[name] = output


def markdown_table(results: Dict[str, Dict[str, object]]) -> str:
    """One row per (model, score): known mIoU, then AUROC, AP, FPR95."""
    lines = ['| model | known mIoU | score | ' + ' | '.join(OPEN_SET_METRICS) + ' |',
             '|---|---|---|' + '---|' * len(OPEN_SET_METRICS)]
    for name, result in results.items():
        for score, metrics in result['scores'].items():
            values = ' | '.join(f'{metrics[m]:.2f}' for m in OPEN_SET_METRICS)
            lines.append(f'| {name} | {result["known_mIoU"]:.2f} | {score} | {values} |')
    return '\n'.join(lines)


def open_set(args: argparse.Namespace) -> None:
    check_model_files(args)
    if args.limit is not None and args.limit < 1:
        raise InputError(f'--limit {args.limit}: must be 1 or more')
    if args.figure:
        require_matplotlib('--figure')
        if args.figure_image < 0:
            raise InputError(f'--figure-image {args.figure_image}: must be 0 or more')
    figure: Dict[str, object] = {}
    results = {spec.name: evaluate_model(spec, args, figure) for spec in model_specs(args)}
    first = next(iter(results.values()))
    print(f'unknown: {", ".join(first["unknown_classes"])}; {first["pixels"]} pixels of '
          f'{first["images"]} images, {first["unknown_share"]:.2f} % unknown')
    print(markdown_table(results))
    for name, result in results.items():
        shares = sorted(zip(result['unknown_predicted_as'], result['known_classes']),
                        reverse=True)[:3]
        print(f'{name}: unknown pixels predicted as ' +
              ', '.join(f'{cls} {share:.1f} %' for share, cls in shares))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
        print(f'results: {args.out}')
    if args.figure:
        if not figure:
            raise InputError(f'--figure-image {args.figure_image}: the test set has '
                             f'{first["images"]} images (indices 0-{first["images"] - 1})')
        plot_score_maps(figure['image'], figure['unknown'], figure['maps'], args.figure)
        print(f'figure: {args.figure}')


def main() -> None:
    run_tool(__file__, open_set, parse_args())


if __name__ == '__main__':
    main()
