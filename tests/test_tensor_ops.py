"""The CPU per-class reductions give exactly torch's results."""
import torch
import torch.nn.functional as F

from gss.tensor_ops import argmax_over_classes, one_hot_classes


def test_argmax_over_classes_equals_torch_including_ties():
    gen = torch.Generator().manual_seed(0)
    continuous = torch.randn(2, 11, 7, 9, generator=gen)
    # Small integers tie often: torch returns the first maximum, and so must the loop.
    ties = torch.randint(0, 3, (3, 6, 5, 4), generator=gen).float()
    assert (ties.max(1).values[:, None] == ties).sum(1).gt(1).any()  # the case is exercised
    volume = torch.randn(1, 4, 3, 5, 6, generator=gen)
    for scores in (continuous, ties, volume):
        assert torch.equal(argmax_over_classes(scores), scores.argmax(1))
    flat = torch.randn(5, 8, generator=gen)  # (N, K): torch's kernel is already fast there
    assert torch.equal(argmax_over_classes(flat), flat.argmax(1))


def test_argmax_over_classes_ignores_autograd_and_keeps_dtype_long():
    scores = torch.randn(1, 3, 4, 4, requires_grad=True)
    index = argmax_over_classes(scores)
    assert index.dtype == torch.long and not index.requires_grad
    assert torch.equal(index, scores.detach().argmax(1))


def test_one_hot_classes_equals_torch_and_zeroes_labels_outside_the_classes():
    labels = torch.tensor([[[0, 2, 1], [2, 255, -1]]])
    expected = F.one_hot(labels.clamp(0, 2), 3).permute(0, 3, 1, 2).float()
    expected[0, :, 1, 1:] = 0
    out = one_hot_classes(labels, 3)
    assert out.is_contiguous() and out.dtype == torch.float32
    assert torch.equal(out, expected)
