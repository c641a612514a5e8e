"""The classifier from token features to the VQ-VAE codebook's logits."""
import torch.nn.functional as F
from torch import Tensor, nn


class TokenClassifier(nn.Conv2d):
    """The 1x1 conv to the codebook's logits, computed as a linear map over channels-last
    features: the (B, vocab, h, w) result has the vocabulary as its innermost dimension, so the
    softmax and argmax over it read contiguous memory. Same parameters as nn.Conv2d."""

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x.permute(0, 2, 3, 1), self.weight.flatten(1),
                        self.bias).permute(0, 3, 1, 2)
