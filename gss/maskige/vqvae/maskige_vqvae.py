"""The project's own maskige VQ-VAE: small, CPU-friendly, trained on maskiges only.

A maskige is piecewise constant, so the 8x8 pixels under a token carry a handful of colours and
a boundary shape, not texture. The model therefore works at token resolution throughout:
pixel-unshuffle by 8, residual 3x3 blocks for context, FSQ to ~8k codes; the decoder mirrors
it and pixel-shuffles back. It costs a few hundredths of the DALL-E dVAE's compute, and it is
trained by ``tools/train_maskige_vqvae.py``.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gss.checkpoints import read_checkpoint
from gss.errors import InputError
from gss.maskige.vqvae.base import FrozenVQVAE
from gss.maskige.vqvae.fsq import FSQ
from gss.registry import VQVAES


def native_bfloat16(device: torch.device) -> bool:
    """Whether ``device`` computes in bfloat16 natively (faster than float32), not emulated."""
    if device.type == 'cuda':
        return torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == 'cpu':
        # torch.cpu's probes are private; without them, assume no native support (float32).
        probes = ('_is_avx512_bf16_supported', '_is_amx_tile_supported')
        return any(getattr(torch.cpu, name, lambda: False)() for name in probes)
    return False


# FSQ levels as Mentzer et al. recommend for ~2^13 codes (8000, DALL-E has 8192).
DEFAULT_ARCH = dict(hidden_channels=128, num_blocks=4, fsq_levels=(8, 8, 5, 5, 5))


class ResidualBlock(nn.Module):
    """x + conv3x3(relu(conv3x3(relu(x)))), at token resolution."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv2(F.relu(self.conv1(F.relu(x))))


class MaskigeEncoder(nn.Module):
    """E_phi: (B, 3, H, W) in [0, 1] -> (B, D, H/8, W/8) latents before quantisation."""

    def __init__(self, hidden_channels: int, num_blocks: int, latent_channels: int) -> None:
        super().__init__()
        self.unshuffle = nn.PixelUnshuffle(8)
        self.stem = nn.Conv2d(3 * 64, hidden_channels, 1)
        self.blocks = nn.Sequential(*[ResidualBlock(hidden_channels) for _ in range(num_blocks)])
        self.head = nn.Conv2d(hidden_channels, latent_channels, 1)

    def forward(self, maskige: Tensor) -> Tensor:
        x = self.stem(self.unshuffle(maskige * 2 - 1))
        return self.head(F.relu(self.blocks(x)))


class MaskigeDecoder(nn.Module):
    """D_theta: (B, D, h, w) codes -> (B, 3, 8h, 8w) logits of the maskige."""

    def __init__(self, hidden_channels: int, num_blocks: int, latent_channels: int) -> None:
        super().__init__()
        self.stem = nn.Conv2d(latent_channels, hidden_channels, 1)
        self.blocks = nn.Sequential(*[ResidualBlock(hidden_channels) for _ in range(num_blocks)])
        # A per-token MLP paints the 8x8 cell: boundary shapes need more than one linear map.
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(hidden_channels, 2 * hidden_channels, 1),
                                  nn.ReLU(), nn.Conv2d(2 * hidden_channels, 3 * 64, 1))
        self.shuffle = nn.PixelShuffle(8)

    def forward(self, codes: Tensor) -> Tensor:
        return self.shuffle(self.head(self.blocks(self.stem(codes))))


@VQVAES.register_module()
class MaskigeVQVAE(FrozenVQVAE):
    """The project's maskige VQ-VAE (8000 FSQ codes by default, 8x downsampling).

    Args:
        checkpoint: a file written by ``tools/train_maskige_vqvae.py``: a plain dict with
            ``state_dict`` and ``arch`` (loadable with ``weights_only=True``). The architecture
            is read from it unless given here.
        hidden_channels, num_blocks, fsq_levels: the architecture (defaults: DEFAULT_ARCH).
        frozen: False only for training it.
        precision: the arithmetic of ``encode`` and ``decode`` (a trainable model trains in
            float32 whatever this says). ``'bfloat16'`` speeds them up on hardware with
            native bfloat16 (CPUs with AVX512-BF16 or AMX, recent GPUs) and gives the same
            maskiges up to neighbouring FSQ levels (docs/vqvae.md, precision). ``'auto'``:
            bfloat16 where the device runs it natively, float32 elsewhere (emulated bfloat16
            is slower).
    """

    def __init__(self, checkpoint: Optional[str] = None, hidden_channels: Optional[int] = None,
                 num_blocks: Optional[int] = None, fsq_levels: Optional[Sequence[int]] = None,
                 frozen: bool = True, precision: str = 'float32') -> None:
        super().__init__(precision)
        state = None
        arch = dict(DEFAULT_ARCH)
        if checkpoint is not None:
            state = load_maskige_vqvae_checkpoint(checkpoint)
            arch.update(state['arch'])
        given = dict(hidden_channels=hidden_channels, num_blocks=num_blocks,
                     fsq_levels=None if fsq_levels is None else [int(v) for v in fsq_levels])
        for key, value in given.items():
            if value is None:
                continue
            if state is not None and value != arch[key]:
                raise InputError(f'MaskigeVQVAE: {key}={value} disagrees with checkpoint '
                                 f'{checkpoint} ({key}={arch[key]})')
            arch[key] = value
        self.arch = dict(hidden_channels=int(arch['hidden_channels']),
                         num_blocks=int(arch['num_blocks']),
                         fsq_levels=[int(v) for v in arch['fsq_levels']])
        self.quantiser = FSQ(self.arch['fsq_levels'])
        self.vocab_size = self.quantiser.vocab_size
        self.token_levels = self.quantiser.level_counts
        latent = len(self.arch['fsq_levels'])
        self.encoder = MaskigeEncoder(self.arch['hidden_channels'], self.arch['num_blocks'],
                                      latent)
        self.decoder = MaskigeDecoder(self.arch['hidden_channels'], self.arch['num_blocks'],
                                      latent)
        if state is not None:
            self.load_state_dict(state['state_dict'])
        # The 3x3 convolutions at token resolution are most of GSS's extra cost per step (they
        # tokenise every training mask) and per test image (decoding); on the CPU, oneDNN runs
        # them faster with NHWC weights (same codes: tested). cuDNN takes either.
        self.to(memory_format=torch.channels_last)
        if frozen:
            self.freeze()

    def forward_train(self, maskige: Tensor) -> Tensor:
        """Differentiable encode -> quantise -> decode, for training: (B, 3, H, W) logits."""
        return self.decoder(self.quantiser.quantise(self.encoder(maskige)))

    @torch.no_grad()
    def encode(self, maskige: Tensor) -> Tensor:
        self.check_input(maskige)
        with self._arithmetic(maskige.device):
            latents = self.encoder(maskige)
        return self.quantiser.codes_to_indices(self.quantiser.quantise(latents.float()))

    @torch.no_grad()
    def decode(self, tokens: Tensor) -> Tensor:
        codes = self.quantiser.indices_to_codes(tokens)
        with self._arithmetic(codes.device):
            logits = self.decoder(codes)
        return torch.sigmoid(logits.float()).contiguous()  # NCHW again for X^-1's row blocks

    def auto_dtype(self, device: torch.device) -> torch.dtype:
        return torch.bfloat16 if native_bfloat16(device) else torch.float32

    def _arithmetic(self, device: torch.device):
        """The autocast context of ``precision`` on ``device`` (float32: autocast off, also
        inside an AMP region, so that float32 means float32)."""
        dtype = self.compute_dtype(device)
        return torch.autocast(device_type=device.type, dtype=dtype,
                              enabled=dtype != torch.float32)

    def checkpoint_dict(self, **meta) -> dict:
        """What ``tools/train_maskige_vqvae.py`` saves: fp16 weights (half the size; the
        trainer rounds the model to fp16 before its final evaluation, so the reported figures
        are those of the stored weights), architecture, metadata."""
        state = {k: v.half() if v.is_floating_point() else v for k, v in self.state_dict().items()}
        return dict(state_dict=state, arch=self.arch, meta=meta)

    @torch.no_grad()
    def round_weights_to_fp16(self) -> None:
        """Make the weights exactly what :meth:`checkpoint_dict` stores."""
        for param in self.parameters():
            param.copy_(param.half().float())


def load_maskige_vqvae_checkpoint(path: str) -> dict:
    """Read a MaskigeVQVAE checkpoint safely (``weights_only=True``), with clear errors."""
    return read_checkpoint(
        path, 'MaskigeVQVAE checkpoint', required_keys=('state_dict', 'arch'),
        how_to_make='the shipped ones are in checkpoints/ (see docs/vqvae.md); train one with '
                    'tools/train_maskige_vqvae.py')
