"""A Swin block sequence over a feature map: GSS's token mixer and its learned X^-1's core."""
from mmseg.models.backbones.swin import SwinBlockSequence
from torch import Tensor, nn


class SwinTokenMixer(nn.Module):
    """Swin blocks (window attention, alternating shifts, no downsampling) over a (B, C, h, w)
    map, followed by LayerNorm; returns a map of the same shape."""

    def __init__(self, channels: int, depth: int, num_heads: int, window_size: int,
                 mlp_ratio: float, drop_path_rate: float = 0.0) -> None:
        super().__init__()
        self.blocks = SwinBlockSequence(
            embed_dims=channels, num_heads=num_heads,
            feedforward_channels=int(mlp_ratio * channels), depth=depth,
            window_size=window_size, drop_path_rate=drop_path_rate)
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: Tensor) -> Tensor:
        b, c, h, w = x.shape
        tokens, _, _, _ = self.blocks(x.flatten(2).transpose(1, 2), (h, w))
        return self.norm(tokens).transpose(1, 2).reshape(b, c, h, w)
