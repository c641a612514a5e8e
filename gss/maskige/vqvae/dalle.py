"""OpenAI's DALL-E discrete VAE as GSS's frozen VQ-VAE (E_phi, D_theta), without the dall_e package.

The architecture is re-implemented with the same parameter names as OpenAI's modules, so the
weights of the official ``encoder.pkl`` / ``decoder.pkl`` load as a plain state dict. Those
files are whole pickled modules; :func:`read_dalle_pickle` reads them with an unpickler that
accepts only the classes such a file contains and turns every module into its parameters, so
neither the ``dall_e`` package nor ``weights_only=False`` trust in arbitrary code is needed.
``tools/model_converters/dalle_to_gss.py`` writes both into one plain checkpoint.
"""
from __future__ import annotations

import os.path as osp
import pickle
import warnings
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.serialization import SourceChangeWarning

from gss.checkpoints import check_checkpoint_file, read_checkpoint
from gss.errors import InputError, one_line
from gss.maskige.vqvae.base import FrozenVQVAE
from gss.registry import VQVAES

LOGIT_LAPLACE_EPS = 0.1
ENCODER_DEFAULTS = dict(group_count=4, n_hid=256, n_blk_per_group=2, input_channels=3,
                        vocab_size=8192)
DECODER_DEFAULTS = dict(group_count=4, n_init=128, n_hid=256, n_blk_per_group=2,
                        output_channels=3, vocab_size=8192)
WHERE_TO_GET = ('download https://cdn.openai.com/dall-e/encoder.pkl and '
                'https://cdn.openai.com/dall-e/decoder.pkl (see docs/vqvae.md)')


def map_pixels(x: Tensor) -> Tensor:
    """[0, 1] -> [eps, 1 - eps], the range the dVAE was trained on."""
    return (1 - 2 * LOGIT_LAPLACE_EPS) * x + LOGIT_LAPLACE_EPS


def unmap_pixels(x: Tensor) -> Tensor:
    """Inverse of :func:`map_pixels`, clamped to [0, 1]."""
    return torch.clamp((x - LOGIT_LAPLACE_EPS) / (1 - 2 * LOGIT_LAPLACE_EPS), 0, 1)


class DalleConv2d(nn.Module):
    """A 'same'-padded convolution whose parameters are named ``w`` and ``b`` as in dall_e."""

    def __init__(self, n_in: int, n_out: int, kw: int) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.empty(n_out, n_in, kw, kw))
        self.b = nn.Parameter(torch.zeros(n_out))
        nn.init.normal_(self.w, std=(n_in * kw ** 2) ** -0.5)
        self.padding = (kw - 1) // 2

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.w.to(x.dtype), self.b.to(x.dtype), padding=self.padding)


class DalleResBlock(nn.Module):
    """id_path(x) + post_gain * res_path(x); the res path narrows to n_out / 4 channels.

    The encoder's res path is 3x3, 3x3, 3x3, 1x1; the decoder's 1x1, 3x3, 3x3, 3x3.
    """

    def __init__(self, n_in: int, n_out: int, n_layers: int, kernels: Tuple[int, ...]) -> None:
        super().__init__()
        n_hid = n_out // 4
        self.post_gain = 1 / n_layers ** 2
        self.id_path = DalleConv2d(n_in, n_out, 1) if n_in != n_out else nn.Identity()
        widths = (n_in, n_hid, n_hid, n_hid, n_out)
        layers = []
        for i, kw in enumerate(kernels):
            layers += [(f'relu_{i + 1}', nn.ReLU()),
                       (f'conv_{i + 1}', DalleConv2d(widths[i], widths[i + 1], kw))]
        self.res_path = nn.Sequential(OrderedDict(layers))

    def forward(self, x: Tensor) -> Tensor:
        return self.id_path(x) + self.post_gain * self.res_path(x)


def _groups(widths: Tuple[int, ...], n_first: int, n_blk: int, n_layers: int,
            kernels: Tuple[int, ...], resample: Optional[callable]) -> list:
    groups, n_in = [], n_first
    for g, width in enumerate(widths):
        layers = []
        for i in range(n_blk):
            layers.append((f'block_{i + 1}', DalleResBlock(n_in, width, n_layers, kernels)))
            n_in = width
        if g < len(widths) - 1:
            layers.append(resample())
        groups.append((f'group_{g + 1}', nn.Sequential(OrderedDict(layers))))
    return groups


class DalleEncoder(nn.Module):
    """(B, 3, H, W) mapped pixels -> (B, vocab_size, H/8, W/8) token logits."""

    def __init__(self, group_count: int = 4, n_hid: int = 256, n_blk_per_group: int = 2,
                 input_channels: int = 3, vocab_size: int = 8192) -> None:
        super().__init__()
        n_layers = group_count * n_blk_per_group
        widths = tuple(2 ** g * n_hid for g in range(group_count))
        self.blocks = nn.Sequential(OrderedDict([
            ('input', DalleConv2d(input_channels, n_hid, 7)),
            *_groups(widths, n_hid, n_blk_per_group, n_layers, (3, 3, 3, 1),
                     lambda: ('pool', nn.MaxPool2d(kernel_size=2))),
            ('output', nn.Sequential(OrderedDict([
                ('relu', nn.ReLU()), ('conv', DalleConv2d(widths[-1], vocab_size, 1))]))),
        ]))

    def forward(self, x: Tensor) -> Tensor:
        return self.blocks(x)


class DalleDecoder(nn.Module):
    """(B, h, w) tokens -> (B, 2 * output_channels, 8h, 8w); the first 3 are pixel logits.

    OpenAI's decoder takes a one-hot (B, 8192, h, w) tensor into a 1x1 convolution; a lookup of
    that convolution's columns is the same number without the one-hot tensor (134 MB per
    512x512 maskige in fp32).
    """

    def __init__(self, group_count: int = 4, n_init: int = 128, n_hid: int = 256,
                 n_blk_per_group: int = 2, output_channels: int = 3,
                 vocab_size: int = 8192) -> None:
        super().__init__()
        n_layers = group_count * n_blk_per_group
        widths = tuple(2 ** (group_count - 1 - g) * n_hid for g in range(group_count))
        self.vocab_size = vocab_size
        self.blocks = nn.Sequential(OrderedDict([
            ('input', DalleConv2d(vocab_size, n_init, 1)),
            *_groups(widths, n_init, n_blk_per_group, n_layers, (1, 3, 3, 3),
                     lambda: ('upsample', nn.Upsample(scale_factor=2, mode='nearest'))),
            ('output', nn.Sequential(OrderedDict([
                ('relu', nn.ReLU()), ('conv', DalleConv2d(widths[-1], 2 * output_channels, 1))]))),
        ]))

    def embed(self, tokens: Tensor) -> Tensor:
        """The input convolution applied to one_hot(tokens): (B, n_init, h, w), fp32."""
        conv = self.blocks.input
        columns = conv.w.float().flatten(1).t()  # (vocab, n_init)
        return (F.embedding(tokens, columns) + conv.b.float()).permute(0, 3, 1, 2)

    def forward(self, tokens: Tensor, dtype: torch.dtype = torch.float32) -> Tensor:
        x = self.embed(tokens).to(dtype)
        for name, module in self.blocks.named_children():
            if name != 'input':
                x = module(x)
        return x.float()


# ---------------------------------------------------------------------------------------------
# Reading OpenAI's pickled modules without their classes.

class _PickledModule:
    """Stands in for any nn.Module of a dall_e pickle: keeps its attributes, runs no code."""

    # torch's legacy-format reader compares a module class's source with the pickled one and
    # reads this flag when they differ (they always do for this stand-in).
    dump_patches = False

    def __setstate__(self, state: dict) -> None:
        self.state = state

    def flat_parameters(self, prefix: str = '') -> Dict[str, Tensor]:
        params = {prefix + name: p.detach().clone() for name, p in
                  self.state.get('_parameters', {}).items() if p is not None}
        for name, child in self.state.get('_modules', {}).items():
            if isinstance(child, _PickledModule):
                params.update(child.flat_parameters(f'{prefix}{name}.'))
        return params


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks, *args) -> Tensor:
    return data


_ALLOWED_GLOBALS = {
    ('collections', 'OrderedDict'): OrderedDict,
    ('torch', 'device'): torch.device,
    ('torch', 'Size'): torch.Size,
    ('__builtin__', 'set'): set,
    ('builtins', 'set'): set,
    ('torch._utils', '_rebuild_tensor_v2'): torch._utils._rebuild_tensor_v2,
    ('torch._utils', '_rebuild_parameter'): _rebuild_parameter,
    ('torch._utils', '_rebuild_parameter_with_state'): _rebuild_parameter,
}
_MODULE_PREFIXES = ('dall_e.', 'torch.nn.modules.')


class _DallePickleUnpickler(pickle.Unpickler):
    """Maps dall_e and torch.nn module classes to :class:`_PickledModule`; refuses the rest."""

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED_GLOBALS:
            return _ALLOWED_GLOBALS[(module, name)]
        if module.startswith(_MODULE_PREFIXES) and name[:1].isupper():
            return _PickledModule
        raise pickle.UnpicklingError(f'unexpected {module}.{name} in a DALL-E dVAE file')


def _restricted_load(file, **kwargs):
    return _DallePickleUnpickler(file, **kwargs).load()


class _DallePickleModule:
    """The ``pickle_module`` handed to ``torch.load``.

    Both entry points are restricted: torch unpickles a zip-format file through ``Unpickler``,
    but reads the header records of a legacy (non-zip) file through ``load``, before any
    ``Unpickler`` exists; a plain ``pickle.load`` there would run a crafted file's code.
    """

    Unpickler = _DallePickleUnpickler
    load = staticmethod(_restricted_load)


def read_dalle_pickle(path: str, kind: str) -> Tuple[Dict[str, Tensor], dict]:
    """Read OpenAI's ``encoder.pkl`` or ``decoder.pkl`` without the dall_e package.

    Args:
        path: the file.
        kind: 'encoder' or 'decoder' (for the architecture's defaults and messages).

    Returns:
        (state dict in fp32, architecture keyword arguments).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'DALL-E {kind} weights not found: {path}; {WHERE_TO_GET}')
    # torch.load(weights_only=False) would hand a TorchScript archive to torch.jit.load.
    check_checkpoint_file(path, f'DALL-E dVAE {kind} file', WHERE_TO_GET)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', SourceChangeWarning)
            module = torch.load(path, map_location='cpu', pickle_module=_DallePickleModule,
                                weights_only=False)
        if not isinstance(module, _PickledModule) or not isinstance(
                getattr(module, 'state', None), dict):
            raise ValueError(f'it holds no pickled dall_e {kind} module')
        defaults = ENCODER_DEFAULTS if kind == 'encoder' else DECODER_DEFAULTS
        arch = {key: int(module.state.get(key, value)) for key, value in defaults.items()}
        state = {k: v.float() for k, v in module.flat_parameters().items()}
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, TypeError,
            AttributeError) as err:
        reason = one_line(err)[:200]
        raise InputError(f'{path}: not a DALL-E dVAE {kind} file ({reason}); '
                         f'{WHERE_TO_GET}') from err
    # Bounds far above the released model (vocab 8192, width 256): a crafted file cannot make
    # the model built from these numbers exhaust memory.
    limits = dict(group_count=8, n_hid=1024, n_init=1024, n_blk_per_group=8, input_channels=4,
                  output_channels=4, vocab_size=65536)
    bad = {k: v for k, v in arch.items() if not 1 <= v <= limits[k]}
    if bad:
        raise InputError(f'{path}: architecture values {bad} are out of range for a DALL-E dVAE '
                         f'{kind}; {WHERE_TO_GET}')
    return state, arch


def _load_checkpoint(path: str) -> dict:
    return read_checkpoint(
        path, 'converted DALL-E checkpoint', required_keys=('encoder', 'decoder', 'arch'),
        how_to_make=f'make it with tools/model_converters/dalle_to_gss.py ENCODER_PKL '
                    f'DECODER_PKL {path} after you {WHERE_TO_GET}')


def write_random_dalle_checkpoint(path: str, encoder_arch: Optional[dict] = None,
                                  decoder_arch: Optional[dict] = None) -> str:
    """A converted-format checkpoint of randomly initialised dVAE halves (default: the released
    architecture), for tests and speed benchmarks, which do not depend on the weights."""
    encoder_arch = dict(ENCODER_DEFAULTS, **(encoder_arch or {}))
    decoder_arch = dict(DECODER_DEFAULTS, **(decoder_arch or {}))
    torch.save(dict(encoder=DalleEncoder(**encoder_arch).state_dict(),
                    decoder=DalleDecoder(**decoder_arch).state_dict(),
                    arch=dict(encoder=encoder_arch, decoder=decoder_arch)), path)
    return path


@VQVAES.register_module()
class DalleVQVAE(FrozenVQVAE):
    """OpenAI's dVAE (8192 codes, 8x downsampling), frozen, as GSS uses it.

    Give either ``encoder_path`` and ``decoder_path`` (the official pickles) or ``checkpoint``
    (written by ``tools/model_converters/dalle_to_gss.py``). The convolutions run in
    ``precision`` (``'auto'``: fp16 on a GPU as in dall_e, fp32 on a CPU) except the encoder's
    output and the decoder's input convolution, which stay in fp32 as in dall_e.
    ``channels_last=True`` keeps the convolutions' weights and activations in NHWC memory
    order (faster on some GPUs; ``tools/benchmarks/paper_scale.py`` measures it).
    """

    def __init__(self, encoder_path: Optional[str] = None, decoder_path: Optional[str] = None,
                 checkpoint: Optional[str] = None, precision: str = 'auto',
                 channels_last: bool = False) -> None:
        super().__init__(precision)
        if checkpoint is not None:
            state = _load_checkpoint(checkpoint)
            enc_state, dec_state = state['encoder'], state['decoder']
            enc_arch, dec_arch = state['arch']['encoder'], state['arch']['decoder']
        elif encoder_path is not None and decoder_path is not None:
            enc_state, enc_arch = read_dalle_pickle(encoder_path, 'encoder')
            dec_state, dec_arch = read_dalle_pickle(decoder_path, 'decoder')
        else:
            raise InputError('DalleVQVAE needs encoder_path and decoder_path (OpenAI\'s '
                             'encoder.pkl / decoder.pkl) or checkpoint (from dalle_to_gss.py)')
        self.encoder = DalleEncoder(**enc_arch)
        self.decoder = DalleDecoder(**dec_arch)
        for name, part, state in (('encoder', self.encoder, enc_state),
                                  ('decoder', self.decoder, dec_state)):
            missing, unexpected = part.load_state_dict(state, strict=False)
            if missing or unexpected:
                raise InputError(f'DALL-E {name} weights do not match the architecture '
                                 f'{enc_arch if name == "encoder" else dec_arch}: missing '
                                 f'{missing[:3]}, unexpected {unexpected[:3]}')
        self.arch = dict(encoder=enc_arch, decoder=dec_arch)
        self.vocab_size = enc_arch['vocab_size']
        self.channels_last = channels_last
        if channels_last:
            self.to(memory_format=torch.channels_last)
        self.freeze()

    def auto_dtype(self, device: torch.device) -> torch.dtype:
        return torch.float16 if device.type == 'cuda' else torch.float32

    @torch.no_grad()
    def encode_logits(self, maskige: Tensor, dtype: Optional[torch.dtype] = None) -> Tensor:
        """(B, 3, H, W) in [0, 1] -> (B, vocab_size, H/8, W/8) fp32 logits.

        ``dtype``: of the convolutions but the last (default: :meth:`compute_dtype`);
        tools/benchmarks/paper_scale.py measures what each costs and changes.
        """
        self.check_input(maskige)
        x = map_pixels(maskige.float()).to(dtype or self.compute_dtype(maskige.device))
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        for name, module in self.encoder.blocks.named_children():
            x = module(x.float() if name == 'output' else x)
        return x

    @torch.no_grad()
    def encode(self, maskige: Tensor) -> Tensor:
        return self.encode_logits(maskige).argmax(1)

    @torch.no_grad()
    def decode_logits(self, tokens: Tensor) -> Tensor:
        """(B, h, w) tokens -> (B, 6, 8h, 8w) fp32 decoder output (3 means, 3 scales)."""
        return self.decoder(tokens, self.compute_dtype(tokens.device))

    @torch.no_grad()
    def decode(self, tokens: Tensor) -> Tensor:
        return unmap_pixels(torch.sigmoid(self.decode_logits(tokens)[:, :3]))

    def converted_checkpoint(self) -> dict:
        """The plain dict ``dalle_to_gss.py`` writes (loads with ``weights_only=True``)."""
        return dict(encoder=self.encoder.state_dict(), decoder=self.decoder.state_dict(),
                    arch=self.arch)
