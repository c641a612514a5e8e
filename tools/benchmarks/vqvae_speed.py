"""Encode + decode time of the VQ-VAEs per 512x512 maskige, side by side in one run.

    python tools/benchmarks/vqvae_speed.py [--checkpoint checkpoints/maskige_vqvae_camvid.pth]
        [--size 512] [--repeats 5] [--dalle]

The project's VQ-VAE runs in float32 and in bfloat16 (its ``precision``; faster only where the
hardware has native bfloat16). ``--dalle`` adds OpenAI's dVAE architecture (randomly
initialised: the speed does not depend on the weights) for comparison. Prints the median seconds
of encode, decode and both, and the ratio.
"""
import argparse
import os.path as osp
import sys
import tempfile

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import torch  # noqa: E402
from report import aligned_row  # noqa: E402
from timing import median_seconds  # noqa: E402

from gss.maskige.vqvae import MaskigeVQVAE  # noqa: E402
from gss.maskige.vqvae.dalle import DalleVQVAE, write_random_dalle_checkpoint  # noqa: E402

WIDTHS = (20, 10, 10, 10, 10)


def time_model(model, size: int, repeats: int, device: str) -> dict:
    """Median seconds of encoding one random ``size``-square maskige and of decoding its
    tokens, after a warm-up call of each."""
    model = model.to(device)
    maskige = torch.rand(1, 3, size, size, device=device)
    tokens = model.encode(maskige)
    enc = median_seconds(lambda: model.encode(maskige), repeats, device)
    dec = median_seconds(lambda: model.decode(tokens), repeats, device)
    return dict(encode=enc, decode=dec, total=enc + dec)


def main() -> None:
    """The command line (the module docstring shows it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--checkpoint', default='checkpoints/maskige_vqvae_camvid.pth')
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--dalle', action='store_true')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args()
    models = {'MaskigeVQVAE': MaskigeVQVAE(checkpoint=args.checkpoint),
              'MaskigeVQVAE bf16': MaskigeVQVAE(checkpoint=args.checkpoint,
                                                precision='bfloat16')}
    if args.dalle:
        with tempfile.TemporaryDirectory() as folder:
            path = write_random_dalle_checkpoint(osp.join(folder, 'dalle.pth'))
            models['DALL-E dVAE'] = DalleVQVAE(checkpoint=path)
    print(f'{args.size}x{args.size} maskige, batch 1, {args.device}, '
          f'{torch.get_num_threads()} threads, median of {args.repeats}')
    print(aligned_row(['model', 'params M', 'encode s', 'decode s', 'total s'], WIDTHS))
    results = {}
    for name, model in models.items():
        r = results[name] = time_model(model, args.size, args.repeats, args.device)
        params = sum(p.numel() for p in model.parameters()) / 1e6
        print(aligned_row([name, f'{params:.2f}', f'{r["encode"]:.3f}', f'{r["decode"]:.3f}',
                           f'{r["total"]:.3f}'], WIDTHS))
    if 'DALL-E dVAE' in results:
        ratio = results['DALL-E dVAE']['total'] / results['MaskigeVQVAE']['total']
        print(f'ratio: MaskigeVQVAE is {ratio:.0f}x faster')


if __name__ == '__main__':
    main()
