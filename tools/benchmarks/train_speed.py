"""Training and test speed of several configs, side by side in one run.

    python tools/benchmarks/train_speed.py CONFIG [CONFIG ...] [--batch 8] [--iters 5]
        [--max-step-ratio 1.3] [--min-test-ratio 0.5]

Builds each config's model (random weights; VQ-VAE files as configured), and times forward +
backward + optimiser step on one fixed random batch at the config's crop size (4 % of its label
pixels ignore), then inference (``predict``, whole image) on the same batch, each after one
warm-up iteration; the configs take turns iteration by iteration, so drifts in the machine's
speed reach all of them. Prints the medians, the trainable parameters, and each config's figures
relative to the first (the reference, e.g. the discriminative baseline); with the two limits,
whether every other config keeps its training step within ``max-step-ratio`` of the reference's
and its test throughput above ``min-test-ratio`` of it. The data pipeline is left out, so only
the models are compared.
"""
import argparse
import os.path as osp
import sys
from typing import List

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402
from report import aligned_row  # noqa: E402
from timing import interleaved_medians  # noqa: E402

import gss  # noqa: E402,F401

IGNORE_FRACTION = 0.04


class Bench:
    """One config's model, optimiser and fixed random batch at its crop size."""

    def __init__(self, path: str, batch: int) -> None:
        from mmseg.registry import MODELS
        from mmseg.structures import SegDataSample

        cfg = Config.fromfile(path)
        init_default_scope(cfg.get('default_scope', 'mmseg'))
        size = tuple(cfg.model.data_preprocessor.get('size') or (128, 128))
        num_classes = cfg.model.decode_head.num_classes
        self.model = MODELS.build(cfg.model)
        self.model.init_weights()
        gen = torch.Generator().manual_seed(0)
        self.inputs = torch.randn(batch, 3, *size, generator=gen)
        self.samples = []
        for _ in range(batch):
            sample = SegDataSample(metainfo=dict(img_shape=size, pad_shape=size, ori_shape=size))
            labels = torch.randint(0, num_classes, (1,) + size, generator=gen)
            # Real masks have ignore pixels (CamVid's void: 3.9 % of the training pixels, in
            # every image), and GSS-FF does extra work for them (the pixel branch's guess).
            labels[torch.rand(labels.shape, generator=gen) < IGNORE_FRACTION] = 255
            sample.gt_sem_seg = PixelData(data=labels)
            self.samples.append(sample)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(self.params, lr=1e-4)

    def train_step(self) -> None:
        """Forward, backward and optimiser step on the fixed batch."""
        self.model.train()
        losses = self.model.loss(self.inputs, self.samples)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        self.optimizer.zero_grad()
        total.backward()
        self.optimizer.step()

    @torch.no_grad()
    def test_step(self) -> None:
        """Inference on the fixed batch."""
        self.model.eval()
        self.model.predict(self.inputs, self.samples)


def time_configs(paths: List[str], batch: int, iters: int) -> List[dict]:
    """Median training step and test throughput of each config, measured side by side."""
    benches = [Bench(path, batch) for path in paths]
    train = interleaved_medians([b.train_step for b in benches], iters)
    test = interleaved_medians([b.test_step for b in benches], iters)
    return [dict(seconds=step, params=sum(p.numel() for p in b.params),
                 images_per_s=batch / predict)
            for b, step, predict in zip(benches, train, test)]


def main() -> None:
    """The command line (the module docstring shows it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--max-step-ratio', type=float,
                        help='limit on a training step relative to the first config\'s')
    parser.add_argument('--min-test-ratio', type=float,
                        help='limit on test images/s relative to the first config\'s')
    args = parser.parse_args()
    results = time_configs(args.configs, args.batch, args.iters)
    reference = results[0]
    print(f'\nbatch {args.batch}, median of {args.iters} iterations, '
          f'{torch.get_num_threads()} threads')
    widths = (48, 8, 7, 12, 7, 13)
    print(aligned_row(['config', 's/iter', 'ratio', 'test img/s', 'ratio', 'trainable M'],
                      widths))
    missed = []
    for index, (path, r) in enumerate(zip(args.configs, results)):
        name = osp.splitext(osp.basename(path))[0]
        step, test = r['seconds'] / reference['seconds'], \
            r['images_per_s'] / reference['images_per_s']
        print(aligned_row([name, f'{r["seconds"]:.3f}', f'{step:.2f}',
                           f'{r["images_per_s"]:.2f}', f'{test:.2f}',
                           f'{r["params"] / 1e6:.2f}'], widths))
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
