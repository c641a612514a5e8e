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
import statistics
import sys
import tempfile
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402

from gss.maskige.vqvae import MaskigeVQVAE  # noqa: E402
from gss.maskige.vqvae.dalle import DalleVQVAE, write_random_dalle_checkpoint  # noqa: E402


def time_model(model, size: int, repeats: int, device: str) -> dict:
    model = model.to(device)
    maskige = torch.rand(1, 3, size, size, device=device)
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    encode, decode = [], []
    for _ in range(repeats + 1):  # the first run warms up
        sync()
        start = time.perf_counter()
        tokens = model.encode(maskige)
        sync()
        middle = time.perf_counter()
        model.decode(tokens)
        sync()
        encode.append(middle - start)
        decode.append(time.perf_counter() - middle)
    enc, dec = statistics.median(encode[1:]), statistics.median(decode[1:])
    return dict(encode=enc, decode=dec, total=enc + dec)


def main() -> None:
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
    print(f'{"model":<20}{"params M":>10}{"encode s":>10}{"decode s":>10}{"total s":>10}')
    results = {}
    for name, model in models.items():
        r = results[name] = time_model(model, args.size, args.repeats, args.device)
        params = sum(p.numel() for p in model.parameters()) / 1e6
        print(f'{name:<20}{params:>10.2f}{r["encode"]:>10.3f}{r["decode"]:>10.3f}'
              f'{r["total"]:>10.3f}')
    if 'DALL-E dVAE' in results:
        ratio = results['DALL-E dVAE']['total'] / results['MaskigeVQVAE']['total']
        print(f'ratio: MaskigeVQVAE is {ratio:.0f}x faster')


if __name__ == '__main__':
    main()
