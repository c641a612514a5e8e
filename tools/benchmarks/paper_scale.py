"""What a training step of the paper's GSS settings costs, beside the same-backbone
discriminative model: seconds, peak memory, and the DALL-E dVAE's share of the step.

    python tools/benchmarks/paper_scale.py                      # all models, full size, GPU if any
    python tools/benchmarks/paper_scale.py --models gss-ff_r101_cityscapes \
        deeplabv3plus_r101_cityscapes --amp both --steps 10
    python tools/benchmarks/paper_scale.py --scale 0.1 --dalle tiny --steps 1   # a CPU smoke run

Models: the paper configs (GSS-FF and GSS-FT-W with ResNet-101 on Cityscapes 768x768 and Swin-L
on ADE20K 512x512) with the DALL-E dVAE in its released architecture (random weights: the cost
does not depend on them), and the discriminative model on the same backbone (DeepLabv3+ for
R101, as the paper compares, UPerNet for Swin-L). Each runs in its own process on synthetic
batches of the config's crop size and batch per GPU (``--scale`` shrinks the crop), so peak
memory is the model's own; backbones start from random weights. Per step it reports the median
time of forward + backward + AdamW step, the peak memory (GPU: allocated; CPU: the process's
resident set), and the time spent in the dVAE's encoder (GSS-FF's targets) and decoder (GSS-FT-W's
maskiges). ``--amp both`` runs every model with and without mixed precision (fp16 on a GPU,
bf16 on a CPU). Last, the dVAE encoder alone at GSS-FF's batch: fp32 against half precision
(with and without channels-last), and how many tokens half precision changes.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
from typing import List

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import torch  # noqa: E402
from report import aligned_row  # noqa: E402
from timing import SectionTimer, peak_memory_mb, run_json_child, time_calls  # noqa: E402

import gss  # noqa: E402,F401
from gss.maskige.vqvae.dalle import write_random_dalle_checkpoint  # noqa: E402

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
R101_CS = 'configs/gss/cityscapes/gss-ff_r101-d8_80k_cityscapes-768x768.py'
SWIN_ADE = 'configs/gss/ade20k/gss-ff_swin-l_160k_ade20k-512x512.py'
DEEPLABV3PLUS = dict(type='DepthwiseSeparableASPPHead', in_channels=2048, in_index=3,
                     channels=512, dilations=(1, 12, 24, 36), c1_in_channels=256, c1_channels=48,
                     dropout_ratio=0.1)
UPERNET = dict(type='UPerHead', in_channels=[192, 384, 768, 1536], in_index=[0, 1, 2, 3],
               pool_scales=(1, 2, 3, 6), channels=512, dropout_ratio=0.1)
# name -> (config, decode head replacing the GSS head, or None for the config's own)
MODELS = {
    'gss-ff_r101_cityscapes': (R101_CS, None),
    'gss-ftw_r101_cityscapes': ('configs/gss/cityscapes/gss-ftw_r101-d8_80k-40k_cityscapes-'
                                '768x768.py', None),
    'deeplabv3plus_r101_cityscapes': (R101_CS, DEEPLABV3PLUS),
    'gss-ff_swin-l_ade20k': (SWIN_ADE, None),
    'gss-ftw_swin-l_ade20k': ('configs/gss/ade20k/gss-ftw_swin-l_160k-40k_ade20k-512x512.py',
                              None),
    'upernet_swin-l_ade20k': (SWIN_ADE, UPERNET),
}
# The released vocabulary (8192) with narrow convolutions, for smoke runs.
TINY_ENCODER, TINY_DECODER = dict(n_hid=16), dict(n_hid=16, n_init=16)


def _build(name: str, scale: float, dalle: str, batch: int, device: torch.device):
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS as SEG_MODELS

    config, head = MODELS[name]
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    num_classes = cfg.model.decode_head.num_classes
    if head is not None:
        cfg.model.decode_head = dict(head, num_classes=num_classes, norm_cfg=cfg.norm_cfg,
                                     align_corners=False)
    else:
        cfg.model.decode_head.vqvae = dict(type='DalleVQVAE', checkpoint=dalle)
    cfg.model.backbone.init_cfg = None
    crop = [max(32, round(side * scale / 32) * 32) for side in cfg.crop_size]
    cfg.model.data_preprocessor.size = tuple(crop)
    batch = batch or cfg.train_dataloader.batch_size
    model = revert_sync_batchnorm(SEG_MODELS.build(cfg.model)).to(device).train()
    return model, tuple(crop), batch, num_classes


def _batch(crop, batch: int, num_classes: int, device: torch.device):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    gen = torch.Generator().manual_seed(0)
    inputs = torch.randn(batch, 3, *crop, generator=gen).to(device)
    samples = []
    for _ in range(batch):  # blocky masks, as segments are, at 1/16 then upsampled
        coarse = torch.randint(0, num_classes, (1, 1, crop[0] // 16 + 1, crop[1] // 16 + 1),
                               generator=gen).float()
        mask = torch.nn.functional.interpolate(coarse, scale_factor=16)[0].long()
        mask = mask[:, :crop[0], :crop[1]]
        sample = SegDataSample(metainfo=dict(img_shape=crop, pad_shape=crop))
        sample.gt_sem_seg = PixelData(data=mask.to(device))
        samples.append(sample)
    return inputs, samples


def measure_model(name: str, scale: float, dalle: str, steps: int, amp: bool,
                  batch: int) -> dict:
    """One model, in this process: median step time, peak memory and dVAE seconds per step."""
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    model, crop, batch, num_classes = _build(name, scale, dalle, batch, device)
    inputs, samples = _batch(crop, batch, num_classes, device)
    timer = SectionTimer(device)
    tokenizer = getattr(model.decode_head, 'tokenizer', None)
    if tokenizer is not None:
        tokenizer.vqvae.encode = timer.wrap('encoder', tokenizer.vqvae.encode)
        tokenizer.vqvae.decode = timer.wrap('decoder', tokenizer.vqvae.decode)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    half = torch.float16 if device.type == 'cuda' else torch.bfloat16
    scaler = torch.amp.GradScaler(device.type, enabled=amp and device.type == 'cuda')

    def step() -> dict:
        timer.seconds.clear()
        with torch.autocast(device.type, dtype=half, enabled=amp):
            losses = model.loss(inputs, samples)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(total).backward()
        scaler.step(optimizer)
        scaler.update()
        return dict(timer.seconds)

    times, stage_seconds = time_calls(step, steps, device)
    return dict(model=name, amp=amp, crop=list(crop), batch=batch, device=device.type,
                seconds=statistics.median(times), peak_mb=peak_memory_mb(device),
                encoder_seconds=statistics.median(s.get('encoder', 0.0) for s in stage_seconds),
                decoder_seconds=statistics.median(s.get('decoder', 0.0) for s in stage_seconds),
                params_m=sum(p.numel() for p in params) / 1e6)


def measure_encoder(scale: float, dalle: str, steps: int, batch: int) -> List[dict]:
    """The dVAE encoder alone on GSS-FF's targets (R101 Cityscapes: 2x the crop, batch per
    GPU): fp32, half precision, half + channels-last; tokens changed by half precision."""
    from gss.registry import VQVAES

    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    side = max(32, round(768 * scale / 32) * 32) * 2
    maskige = torch.rand(batch or 2, 3, side, side,
                         generator=torch.Generator().manual_seed(0)).to(device)
    half = torch.float16 if device.type == 'cuda' else torch.bfloat16
    rows, reference = [], None
    for label, dtype, channels_last in (('fp32', torch.float32, False),
                                        (str(half).split('.')[-1], half, False),
                                        (f'{str(half).split(".")[-1]} channels-last', half,
                                         True)):
        vqvae = VQVAES.build(dict(type='DalleVQVAE', checkpoint=dalle,
                                  channels_last=channels_last)).to(device)
        times, outputs = time_calls(lambda: vqvae.encode_logits(maskige, dtype=dtype).argmax(1),
                                    steps, device)
        tokens = outputs[-1]
        reference = tokens if reference is None else reference
        rows.append(dict(variant=label, seconds=statistics.median(times),
                         tokens_changed=float((tokens != reference).float().mean() * 100),
                         size=[side, side], batch=int(maskige.size(0))))
    return rows


def _child(args: argparse.Namespace, what: str, amp: bool = False) -> dict:
    command = [sys.executable, osp.abspath(__file__), '--one', what, '--scale', str(args.scale),
               '--steps', str(args.steps), '--batch', str(args.batch), '--dalle-file',
               args.dalle_file] + (['--amp', 'on'] if amp else [])
    try:
        return run_json_child(command, what)
    except RuntimeError as err:
        sys.exit(f'paper_scale: {err}')


MODEL_WIDTHS = (32, 5, 10, 6, 9, 8, 9, 8, 7, 8, 12)
ENCODER_WIDTHS = (24, 9, 10, 18)


def report(results: List[dict], encoder_rows: List[dict]) -> None:
    """Print the step table (each model against its discriminative one) and the encoder's."""
    print('\n' + aligned_row(['model', 'amp', 'crop', 'batch', 's/step', 'x disc.', 'peak MB',
                              'enc s', 'enc %', 'dec s', 'trainable M'], MODEL_WIDTHS))
    discriminative = {(r['model'].split('_', 1)[1], r['amp']): r['seconds'] for r in results
                      if not r['model'].startswith('gss')}
    for r in results:
        base = discriminative.get((r['model'].split('_', 1)[1], r['amp']))
        print(aligned_row([
            r['model'], 'on' if r['amp'] else 'off', f'{r["crop"][0]}x{r["crop"][1]}',
            str(r['batch']), f'{r["seconds"]:.3f}', f'{r["seconds"] / base:.2f}' if base else '-',
            f'{r["peak_mb"]:.0f}', f'{r["encoder_seconds"]:.3f}',
            f'{100 * r["encoder_seconds"] / r["seconds"]:.1f}', f'{r["decoder_seconds"]:.3f}',
            f'{r["params_m"]:.1f}'], MODEL_WIDTHS))
    if encoder_rows:
        base = encoder_rows[0]['seconds']
        size = encoder_rows[0]['size']
        print(f'\ndVAE encoder alone, batch {encoder_rows[0]["batch"]} of {size[0]}x{size[1]} '
              f'maskiges (GSS-FF R101 Cityscapes targets)')
        print(aligned_row(['variant', 's/call', 'speed-up', 'tokens changed %'], ENCODER_WIDTHS))
        for row in encoder_rows:
            print(aligned_row([row['variant'], f'{row["seconds"]:.3f}',
                               f'{base / row["seconds"]:.2f}', f'{row["tokens_changed"]:.3f}'],
                              ENCODER_WIDTHS))


def main() -> None:
    """The command line (the module docstring shows it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', nargs='+', default=list(MODELS), choices=list(MODELS))
    parser.add_argument('--scale', type=float, default=1.0, help='crop size factor (1: paper)')
    parser.add_argument('--steps', type=int, default=5, help='timed steps after one warm-up')
    parser.add_argument('--batch', type=int, default=0, help='default: the config\'s per GPU')
    parser.add_argument('--amp', choices=['off', 'on', 'both'], default='both')
    parser.add_argument('--dalle', choices=['released', 'tiny'], default='released',
                        help='tiny: the released vocabulary with narrow convolutions (tests)')
    parser.add_argument('--no-encoder', action='store_true', help='skip the encoder comparison')
    parser.add_argument('--one', help=argparse.SUPPRESS)
    parser.add_argument('--dalle-file', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # a child process: one measurement, one JSON line
        if args.one == 'encoder':
            out = measure_encoder(args.scale, args.dalle_file, args.steps, args.batch)
        else:
            out = measure_model(args.one, args.scale, args.dalle_file, args.steps,
                                args.amp == 'on', args.batch)
        print(json.dumps(out))
        return
    amp_modes = {'off': [False], 'on': [True], 'both': [False, True]}[args.amp]
    with tempfile.TemporaryDirectory() as tmp:
        tiny = dict(encoder_arch=TINY_ENCODER, decoder_arch=TINY_DECODER)
        args.dalle_file = write_random_dalle_checkpoint(
            osp.join(tmp, 'dalle.pth'), **(tiny if args.dalle == 'tiny' else {}))
        results = [_child(args, name, amp) for name in args.models for amp in amp_modes]
        encoder_rows = [] if args.no_encoder else _child(args, 'encoder')
    device = results[0]['device']
    print(f'\ndevice: {torch.cuda.get_device_name(0) if device == "cuda" else "CPU"}, '
          f'{torch.get_num_threads()} threads, torch {torch.__version__}, crop scale '
          f'{args.scale}, median of {args.steps} steps, DALL-E {args.dalle}')
    report(results, encoder_rows)


if __name__ == '__main__':
    os.environ.setdefault('PYTHONUNBUFFERED', '1')
    main()
