"""Training and test speed of several configs, side by side in one run.

    python tools/benchmarks/train_speed.py CONFIG [CONFIG ...] [--batch 8] [--iters 5]
        [--max-step-ratio 1.3] [--min-test-ratio 0.5]

Builds each config's model (random weights; VQ-VAE files as configured), and times forward +
backward + optimiser step on one fixed random batch at the config's crop size, then inference
(``predict``, whole image) on the same batch, each after one warm-up iteration. Prints the
medians, the trainable parameters, and each config's figures relative to the first (the
reference, e.g. the discriminative baseline); with the two limits, whether every other config
keeps its training step within ``max-step-ratio`` of the reference's and its test throughput
above ``min-test-ratio`` of it. The data pipeline is left out, so only the models are compared.
"""
import argparse
import os.path as osp
import statistics
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402

import gss  # noqa: E402,F401


def time_config(path: str, batch: int, iters: int) -> dict:
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample

    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    size = tuple(cfg.model.data_preprocessor.get('size') or (128, 128))
    num_classes = cfg.model.decode_head.num_classes
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    gen = torch.Generator().manual_seed(0)
    inputs = torch.randn(batch, 3, *size, generator=gen)
    samples = []
    for _ in range(batch):
        sample = SegDataSample(metainfo=dict(img_shape=size, pad_shape=size, ori_shape=size))
        sample.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1,) + size,
                                                         generator=gen))
        samples.append(sample)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    times = []
    for _ in range(iters + 1):
        start = time.perf_counter()
        losses = model.loss(inputs, samples)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    model.eval()
    test_times = []
    with torch.no_grad():
        for _ in range(iters + 1):
            start = time.perf_counter()
            model.predict(inputs, samples)
            test_times.append(time.perf_counter() - start)
    return dict(seconds=statistics.median(times[1:]), params=sum(p.numel() for p in params),
                images_per_s=batch / statistics.median(test_times[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--max-step-ratio', type=float,
                        help='limit on a training step relative to the first config\'s')
    parser.add_argument('--min-test-ratio', type=float,
                        help='limit on test images/s relative to the first config\'s')
    args = parser.parse_args()
    results = [time_config(path, args.batch, args.iters) for path in args.configs]
    reference = results[0]
    print(f'\nbatch {args.batch}, median of {args.iters} iterations, '
          f'{torch.get_num_threads()} threads')
    print(f'{"config":<48}{"s/iter":>8}{"ratio":>7}{"test img/s":>12}{"ratio":>7}'
          f'{"trainable M":>13}')
    missed = []
    for index, (path, r) in enumerate(zip(args.configs, results)):
        name = osp.splitext(osp.basename(path))[0]
        step, test = r['seconds'] / reference['seconds'], \
            r['images_per_s'] / reference['images_per_s']
        print(f'{name:<48}{r["seconds"]:>8.3f}{step:>7.2f}{r["images_per_s"]:>12.2f}'
              f'{test:>7.2f}{r["params"] / 1e6:>13.2f}')
        if index == 0:  # the reference
            continue
        if args.max_step_ratio is not None and step > args.max_step_ratio:
            missed.append(f'{name}: training step {step:.2f}x > {args.max_step_ratio}x')
        if args.min_test_ratio is not None and test < args.min_test_ratio:
            missed.append(f'{name}: test throughput {test:.2f}x < {args.min_test_ratio}x')
    if args.max_step_ratio is not None or args.min_test_ratio is not None:
        print('targets: ' + ('all met' if not missed else 'missed: ' + '; '.join(missed)))


if __name__ == '__main__':
    main()
