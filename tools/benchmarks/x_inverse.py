"""X^-1 (nearest palette colour) against the brute-force broadcast, side by side in one run.

    python tools/benchmarks/x_inverse.py [--batch 2] [--classes 150] [--size 1024] [--repeats 3]

The brute force is the original GSS code's way: a (B, K, 3, H, W) difference tensor. Prints
the median time and the peak memory of each (CUDA peak allocation on a GPU; on a CPU the
peak growth of resident memory over the inputs, sampled every millisecond, in a fresh
subprocess per method) and the ratios. Both methods' labels are compared first (on up to
256x256): they agree except where two colours are equally near within float rounding.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import torch  # noqa: E402
from report import aligned_row  # noqa: E402
from timing import PeakRSS, median_seconds, rss_mb, run_json_child  # noqa: E402

from gss.maskige.palette import Maskige, nearest_colour_brute_force  # noqa: E402
from gss.maskige.posterior_learning import maximal_distance_palette  # noqa: E402

WIDTHS = (28, 10, 10)


def make_inputs(batch: int, classes: int, size: int, device: str):
    """A ``classes``-colour palette and a seeded random (B, 3, size, size) maskige."""
    maskige = Maskige(maximal_distance_palette(classes).tolist())
    gen = torch.Generator().manual_seed(0)
    image = torch.rand(batch, 3, size, size, generator=gen).to(device)
    return maskige, image


def run_method(method: str, batch: int, classes: int, size: int, repeats: int,
               device: str) -> dict:
    """Median seconds of one X^-1 method and its peak memory above the inputs'."""
    maskige, image = make_inputs(batch, classes, size, device)
    colours = maskige.class_colours.to(device)
    fn = (lambda: maskige.to_mask(image)) if method == 'gss' else \
        (lambda: nearest_colour_brute_force(image, colours))
    base_rss = rss_mb()
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
        base_cuda = torch.cuda.memory_allocated()
    with PeakRSS() as rss:
        seconds = median_seconds(fn, repeats, device, warmup=0)
    if device == 'cuda':
        peak_mb = (torch.cuda.max_memory_allocated() - base_cuda) / 2 ** 20
    else:
        peak_mb = rss.peak - base_rss
    return dict(seconds=seconds, peak_mb=peak_mb)


def main() -> None:
    """The command line (the module docstring shows it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--classes', type=int, default=150)
    parser.add_argument('--size', type=int, default=1024)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--method', choices=['gss', 'brute'], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.method:  # child process: one method, JSON out
        print(json.dumps(run_method(args.method, args.batch, args.classes, args.size,
                                    args.repeats, args.device)))
        return
    maskige, image = make_inputs(args.batch, args.classes, min(args.size, 256), args.device)
    agree = (maskige.to_mask(image) == nearest_colour_brute_force(
        image, maskige.class_colours.to(args.device))).float().mean().item() * 100
    results = {}
    for method in ('gss', 'brute'):
        command = [sys.executable, __file__, '--method', method] + [
            f'--{k}={v}' for k, v in vars(args).items() if k != 'method' and v is not None]
        try:
            results[method] = run_json_child(command, f'X^-1 {method}')
        except RuntimeError as err:
            sys.exit(f'x_inverse: {err}')
    gss, brute = results['gss'], results['brute']
    print(f'X^-1, B={args.batch}, K={args.classes}, {args.size}x{args.size}, {args.device}, '
          f'same labels as brute force: {agree:.4f} % of pixels (the rest are float ties)')
    print(aligned_row(['method', 'median s', 'peak MB'], WIDTHS))
    for name, r in (('gss (1x1 conv, row chunks)', gss), ('brute force (B,K,3,H,W)', brute)):
        print(aligned_row([name, f'{r["seconds"]:.3f}', f'{r["peak_mb"]:.0f}'], WIDTHS))
    print(f'ratios: {brute["seconds"] / gss["seconds"]:.1f}x faster, '
          f'{brute["peak_mb"] / max(gss["peak_mb"], 1):.1f}x less peak memory')


if __name__ == '__main__':
    main()
