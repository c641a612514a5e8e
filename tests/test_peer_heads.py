"""GMMSeg and ProtoSeg heads: Sinkhorn, the Gaussian density, EM, prototype updates, losses,
open-set outputs, and identical updates on two CPU processes."""
import io
import math
import os
import re

import pytest
import torch
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.distributions import Normal

from gss.errors import InputError
from gss.models.heads.gmmseg_head import (GMMSegHead, diagonal_gaussian_log_density,
                                          em_steps_after, evenly_spaced_per_group)
from gss.models.heads.protoseg_head import ProtoSegHead
from gss.models.layers.sinkhorn import class_sinkhorn
from gss.models.heads.sub_centre_head import NO_SUB_CENTRE

HEAD_ARGS = dict(in_channels=[4, 6], in_index=[0, 1], channels=8, num_classes=3,
                 norm_cfg=None, dropout_ratio=0.0)


def _gmm(**kwargs):
    torch.manual_seed(0)
    return GMMSegHead(embed_dim=4, num_components=2, memory_size=50, samples_per_iter=5,
                      **{**HEAD_ARGS, **kwargs})


def _proto(**kwargs):
    torch.manual_seed(0)
    return ProtoSegHead(embed_dim=4, num_prototypes=2, **{**HEAD_ARGS, **kwargs})


def _reference_sinkhorn(scores, eps, iters):
    """The originals' per-class loop, written plainly."""
    q = torch.exp(scores / eps).T
    q /= q.sum()
    k, n = q.shape
    for _ in range(iters):
        q /= q.sum(1, keepdim=True)
        q /= k
        q /= q.sum(0, keepdim=True)
        q /= n
    return (q * n).T


# ------------------------------------------------------------------------------ Sinkhorn
def test_sinkhorn_equals_the_per_class_loop_and_meets_its_marginals():
    gen = torch.Generator().manual_seed(0)
    labels = torch.tensor([0] * 7 + [2] * 12 + [1] * 3)[torch.randperm(22, generator=gen)]
    scores = torch.rand(22, 4, generator=gen, dtype=torch.float64) * 0.5
    plan = class_sinkhorn(scores, labels, 4, eps=0.05, iters=3)
    for c in range(3):
        ref = _reference_sinkhorn(scores[labels == c], 0.05, 3)
        assert torch.allclose(plan[labels == c], ref, atol=1e-10)
    assert torch.allclose(plan.sum(1), torch.ones(22, dtype=torch.float64))
    converged = class_sinkhorn(scores, labels, 4, eps=0.05, iters=200)
    for c, n in ((0, 7), (1, 3), (2, 12)):
        # Every sub-centre gets an equal share of the class's pixels.
        assert torch.allclose(converged[labels == c].sum(0),
                              torch.full((4,), n / 4, dtype=torch.float64), atol=1e-6)


def test_sinkhorn_spreads_pixels_that_all_prefer_one_sub_centre():
    scores = torch.tensor([[1.0, 0.0]] * 6 + [[0.9, 0.0]] * 2)  # everyone prefers 0
    plan = class_sinkhorn(scores, torch.zeros(8, dtype=torch.long), 1, iters=50)
    assert plan.argmax(1).tolist() == [0] * 6 + [1] * 2  # the weakest preferences move


# ------------------------------------------------------------------------------ GMMSeg
def test_gaussian_log_density_by_products_equals_the_elementwise_formula():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(10, 6, generator=gen, dtype=torch.float64)
    means = torch.randn(4, 6, generator=gen, dtype=torch.float64)
    stds = torch.rand(4, 6, generator=gen, dtype=torch.float64) + 0.1
    expected = Normal(means[None], stds[None]).log_prob(x[:, None]).sum(-1)
    assert torch.allclose(diagonal_gaussian_log_density(x, means, stds), expected, atol=1e-9)


def test_evenly_spaced_per_group_takes_at_most_the_cap_per_group():
    values = torch.arange(12.0)[:, None]
    groups = torch.tensor([1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0])
    samples, taken = evenly_spaced_per_group(values, groups, 3, 4)
    assert taken.tolist() == [2, 4, 0]
    assert samples[0, :2, 0].tolist() == [1.0, 11.0] and samples[0, 2:].abs().sum() == 0
    # group 1 has 10 rows (0, 2, 3, ..., 10): every 10/4-th of them
    assert samples[1, :, 0].tolist() == [0.0, 3.0, 6.0, 8.0]
    assert samples[2].abs().sum() == 0


def test_m_step_recovers_known_means_and_spreads_from_filled_slots_only():
    head = _gmm(mean_momentum=0.0)
    gen = torch.Generator().manual_seed(2)
    true_means = F.normalize(torch.randn(6, 4, generator=gen), dim=1)
    spread = 0.05
    for group in range(6):
        n = 10 + 5 * group  # partly filled memories; the zero slots must not count
        head.memory[group, :n] = true_means[group] + spread * torch.randn(n, 4, generator=gen)
        head.memory_filled[group] = n
    head.memory_filled[5] = 0  # an empty component keeps its parameters
    before_mean, before_std = head.means[2, 1].clone(), head.stds[2, 1].clone()
    head.m_step(torch.tensor([True, True, True]))
    means = head.means.view(6, 4)
    cosine = (means[:5] * true_means[:5]).sum(1)
    assert cosine.min() > 0.99
    expected_std = math.sqrt(spread ** 2 + 0.01)
    assert torch.allclose(head.stds.view(6, 4)[:5].mean(1), torch.full((5,), expected_std),
                          atol=0.012)
    assert torch.equal(head.means[2, 1], before_mean)
    assert torch.equal(head.stds[2, 1], before_std)


def test_em_through_training_updates_converges_to_the_clusters():
    """Correctly classified pixels go to the memory; the M-step every em_interval iterations
    moves the means (momentum 0.5) onto the clusters their pixels come from."""
    head = _gmm(mean_momentum=0.5, em_interval=2)
    gen = torch.Generator().manual_seed(3)
    centres = F.normalize(torch.randn(6, 4, generator=gen), dim=1)
    for _ in range(20):
        groups = torch.randint(0, 6, (60,), generator=gen)
        emb = F.normalize(centres[groups] + 0.02 * torch.randn(60, 4, generator=gen), dim=1)
        head.update_sub_centres(emb, groups, torch.ones(60, dtype=torch.bool),
                                torch.ones(3, dtype=torch.bool))
    assert int(head.em_steps_taken) == 10
    assert ((head.means.view(6, 4) * centres).sum(1)).min() > 0.999
    assert int(head.memory_filled.min()) == 50  # wrapped around: 20 x ~10 per component
    # Misclassified pixels never reach the memory.
    head.update_sub_centres(torch.zeros(4, 4), torch.zeros(4, dtype=torch.long),
                            torch.zeros(4, dtype=torch.bool), torch.ones(3, dtype=torch.bool))
    assert head.memory[0].abs().sum(1).min() > 0


def _train_recording_m_steps(head: GMMSegHead, iterations: int, seed: int) -> list:
    """Run ``iterations`` updates on random clustered pixels; the 0-based iterations whose
    update ran an M-step."""
    steps = []
    m_step = head.m_step

    def recording(present):
        steps.append(int(head.iteration))
        m_step(present)

    head.m_step = recording
    gen = torch.Generator().manual_seed(seed)
    for _ in range(iterations):
        groups = torch.randint(0, 6, (30,), generator=gen)
        head.update_sub_centres(F.normalize(torch.randn(30, 4, generator=gen), dim=1), groups,
                                torch.ones(30, dtype=torch.bool),
                                torch.ones(3, dtype=torch.bool))
    del head.m_step
    return steps


def test_m_steps_run_at_iterations_0_5_10_as_released():
    """The released head tests its counter before incrementing it: iteration 0 runs an M-step."""
    head = _gmm(em_interval=5)
    assert _train_recording_m_steps(head, 12, seed=4) == [0, 5, 10]
    assert int(head.iteration) == 12 and int(head.em_steps_taken) == 3
    counts = [em_steps_after(c, 5) for c in range(12)]
    assert counts == [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3]
    assert em_steps_after(80000, 5) == 16000 and em_steps_after(80001, 5) == 16001


def test_m_step_phase_survives_a_checkpoint_saved_mid_interval():
    """Saved after 7 iterations (2 into an interval), a fresh head loaded from the file runs
    its next M-step at iteration 10, as the uninterrupted run does."""
    first = _gmm(em_interval=5)
    assert _train_recording_m_steps(first, 7, seed=5) == [0, 5]
    buffer = io.BytesIO()
    torch.save(first.state_dict(), buffer)
    buffer.seek(0)
    resumed = _gmm(em_interval=5)
    resumed.load_state_dict(torch.load(buffer), strict=True)
    assert int(resumed.iteration) == 7 and int(resumed.em_steps_taken) == 2
    assert _train_recording_m_steps(resumed, 6, seed=6) == [10]
    assert int(resumed.em_steps_taken) == em_steps_after(13, 5) == 3


@pytest.mark.parametrize('interval', [0, -5, 2.5, True])
def test_em_interval_must_be_a_positive_integer(interval):
    with pytest.raises(InputError, match=rf'^em_interval must be a positive integer .*, got '
                       rf'{re.escape(repr(interval))}$'):
        _gmm(em_interval=interval)


def test_memory_is_kept_out_of_checkpoints_and_gaussians_are_in():
    state = _gmm().state_dict()
    assert 'means' in state and 'stds' in state
    assert not any(k.startswith('memory') for k in state)
    assert not any('conv_seg' in k for k in state)


def test_gmmseg_component_loss_is_the_weighted_ce_over_log_likelihoods():
    head = _gmm()
    scores = torch.tensor([[2.0, 0.0, -1.0, 0.5, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 3.0, 0.0]])
    targets = torch.tensor([0, NO_SUB_CENTRE])
    loss = head.sub_centre_loss(scores, targets)['loss_component']
    expected = 0.01 * -(2.0 - torch.logsumexp(scores[0], 0))
    assert torch.allclose(loss, expected)


def test_class_score_is_the_best_sub_centre():
    scores = torch.tensor([[0.0, math.log(3.0), 1.0, 1.0, -5.0, -5.0]])
    assert _gmm().class_scores(scores)[0].tolist() == pytest.approx([math.log(3.0), 1.0, -5.0])


def test_gmmseg_loss_has_both_terms_and_gradients_reach_the_embedding():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    head = _gmm()
    inputs = [torch.randn(2, 4, 8, 8, requires_grad=True), torch.randn(2, 6, 4, 4)]
    samples = []
    for b in range(2):
        sample = SegDataSample(metainfo=dict(img_shape=(32, 32)))
        gt = torch.randint(0, 3, (1, 32, 32))
        gt[:, :4] = 255
        sample.gt_sem_seg = PixelData(data=gt)
        samples.append(sample)
    losses = head.loss(inputs, samples, None)
    assert set(losses) == {'loss_ce', 'acc_seg', 'loss_component'}
    (losses['loss_ce'] + losses['loss_component']).backward()
    assert inputs[0].grad.abs().sum() > 0
    assert int(head.memory_filled.sum()) > 0  # correctly classified pixels were stored


# ------------------------------------------------------------------------------ ProtoSeg
def test_prototype_update_moves_towards_correct_pixels_only():
    head = _proto(momentum=0.5)
    protos = head.prototypes.view(6, 4).clone()
    emb = F.normalize(torch.tensor([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0]]), dim=1)
    targets = torch.tensor([3, 3, 0])
    correct = torch.tensor([True, True, False])
    head.update_sub_centres(emb, targets, correct, torch.ones(3, dtype=torch.bool))
    mean_dir = F.normalize(emb[0] + emb[1], dim=0)
    expected = F.normalize(0.5 * protos[3] + 0.5 * mean_dir, dim=0)
    assert torch.allclose(head.prototypes.view(6, 4)[3], expected, atol=1e-6)
    unchanged = [0, 1, 2, 4, 5]  # 0 only had a misclassified pixel
    assert torch.equal(head.prototypes.view(6, 4)[unchanged], protos[unchanged])
    assert 'prototypes' in head.state_dict()
    assert not any(p is head.prototypes for p in head.parameters())


def test_ppc_and_ppd_values_on_fixed_scores():
    head = _proto()
    scores = torch.tensor([[0.9, 0.1, 0.0, -0.2, 0.3, 0.0], [0.2, 0.5, 0.8, 0.1, 0.0, 0.0],
                           [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    targets = torch.tensor([0, 2, NO_SUB_CENTRE])
    losses = head.sub_centre_loss(scores, targets)
    ppc = (-(scores[0, 0] / 0.1 - torch.logsumexp(scores[0] / 0.1, 0))
           - (scores[1, 2] / 0.1 - torch.logsumexp(scores[1] / 0.1, 0))) / 2
    ppd = ((1 - 0.9) ** 2 + (1 - 0.8) ** 2) / 2
    assert torch.allclose(losses['loss_ppc'], 0.01 * ppc)
    assert torch.allclose(losses['loss_ppd'], torch.tensor(0.001 * ppd))


def test_protoseg_training_step_uses_the_hard_assignment():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    head = _proto()
    inputs = [torch.randn(1, 4, 8, 8), torch.randn(1, 6, 4, 4)]
    sample = SegDataSample(metainfo=dict(img_shape=(8, 8)))
    sample.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, 8, 8)))
    embeddings, scores, _ = head.embed_and_score(inputs)
    labels = sample.gt_sem_seg.data.flatten()
    targets = head.sub_centre_targets(scores, labels, torch.ones(64, dtype=torch.bool))
    own = scores.view(64, 3, 2)[torch.arange(64), labels]
    plan = class_sinkhorn(own, labels, 3)
    assert torch.equal(targets, labels * 2 + plan.argmax(1))
    losses = head.loss(inputs, [sample], None)
    assert set(losses) == {'loss_ce', 'acc_seg', 'loss_ppc', 'loss_ppd'}


# ------------------------------------------------------------------------------ open set
def test_open_set_outputs_are_the_class_log_likelihoods_and_their_negated_max():
    from mmengine.config import Config
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample

    cfg = Config.fromfile('configs/gmmseg/gmmseg_effnet-lite0_1k_toy-128x128.py')
    cfg.model.backbone.pretrained = False
    cfg.model.test_cfg = dict(mode='whole', open_set=True)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    image = torch.rand(1, 3, 64, 64) * 255
    meta = dict(img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64),
                padding_size=[0, 0, 0, 0])
    with torch.no_grad():
        sample = model.predict(model.data_preprocessor(dict(
            inputs=[image[0]], data_samples=[SegDataSample(metainfo=meta)]))['inputs'],
            [SegDataSample(metainfo=meta)])[0]
        feats = model.extract_feat(model.data_preprocessor(dict(inputs=[image[0]]))['inputs'])
        logits, class_ll = model.decode_head.class_log_likelihoods(feats)
    assert sample.seg_logits.data.shape == (7, 64, 64)
    assert sample.class_log_likelihood.data.shape == (7, 64, 64)
    assert torch.equal(sample.pred_sem_seg.data[0], sample.seg_logits.data.argmax(0))
    # Scored at the head's scale, then resized: the resized max bounds the max of the resized.
    assert (sample.anomaly_score.data[0]
            <= -sample.class_log_likelihood.data.max(0).values + 1e-4).all()
    small = F.interpolate(-class_ll.max(1, keepdim=True).values, size=(64, 64),
                          mode='bilinear', align_corners=False)[0, 0]
    assert torch.allclose(sample.anomaly_score.data[0], small, atol=1e-4)


def test_open_set_needs_a_likelihood_head():
    from mmengine.config import Config
    from mmseg.registry import MODELS

    cfg = Config.fromfile('configs/protoseg/protoseg_effnet-lite0_1k_toy-128x128.py')
    cfg.model.type = 'OpenSetEncoderDecoder'
    cfg.model.backbone.pretrained = False
    cfg.model.test_cfg = dict(mode='whole', open_set=True)
    with pytest.raises(ValueError, match='needs a head with class likelihoods'):
        MODELS.build(cfg.model)


# ------------------------------------------------------------------------------ two processes
def _ddp_worker(rank: int, head_type: str, port: int, queue) -> None:
    import gss  # noqa: F401
    import torch.distributed as dist
    from mmengine.model.wrappers import MMDistributedDataParallel
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE='2',
                      MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    from mmengine.dist import init_dist
    init_dist('pytorch', backend='nccl')  # falls back to gloo on CPU
    head = (_gmm(em_interval=2, mean_momentum=0.5) if head_type == 'gmmseg'
            else _proto(momentum=0.5))
    ddp = MMDistributedDataParallel(head)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)
    gen = torch.Generator().manual_seed(100 + rank)  # different data on each rank
    for _ in range(4):
        inputs = [torch.randn(2, 4, 8, 8, generator=gen), torch.randn(2, 6, 4, 4, generator=gen)]
        samples = []
        for _ in range(2):
            sample = SegDataSample(metainfo=dict(img_shape=(8, 8)))
            sample.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, 8, 8), generator=gen))
            samples.append(sample)
        losses = ddp.module.loss(inputs, samples, None)
        optimizer.zero_grad()
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        # DDP's reducer is bypassed by calling .module; average gradients by hand as DDP would.
        for p in ddp.module.parameters():
            if p.grad is not None:
                dist.all_reduce(p.grad)
                p.grad /= 2
        optimizer.step()
    state = {k: v.numpy().copy() for k, v in head.state_dict().items()}
    if head_type == 'gmmseg':
        state['memory'] = head.memory.numpy().copy()
        state['memory_filled'] = head.memory_filled.numpy().copy()
    queue.put((rank, state))
    dist.barrier()
    dist.destroy_process_group()


@pytest.mark.slow
@pytest.mark.parametrize('head_type', ['gmmseg', 'protoseg'])
def test_two_cpu_processes_end_with_identical_heads(head_type, free_port):
    import numpy as np

    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    procs = [ctx.Process(target=_ddp_worker, args=(r, head_type, free_port, queue))
             for r in range(2)]
    for p in procs:
        p.start()
    states = dict(queue.get(timeout=300) for _ in range(2))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    reference = _gmm() if head_type == 'gmmseg' else _proto()
    moved = 'means' if head_type == 'gmmseg' else 'prototypes'
    assert not np.array_equal(states[0][moved], reference.state_dict()[moved].numpy())
    assert states[0].keys() == states[1].keys()
    for key in states[0]:
        assert np.array_equal(states[0][key], states[1][key]), key
