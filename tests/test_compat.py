"""The compatibility layer: mmcv.ops stand-ins, safe checkpoint loading, CPU distributed."""
import importlib.util
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from gss import compat


def bilinear_reference(feature: np.ndarray, x: float, y: float) -> np.ndarray:
    """Sample (C, H, W) at normalised (x, y), align_corners=False, zero outside."""
    c, h, w = feature.shape
    px, py = x * w - 0.5, y * h - 0.5
    x0, y0 = int(np.floor(px)), int(np.floor(py))
    out = np.zeros(c)
    for yy, wy in ((y0, 1 - (py - y0)), (y0 + 1, py - y0)):
        for xx, wx in ((x0, 1 - (px - x0)), (x0 + 1, px - x0)):
            if 0 <= yy < h and 0 <= xx < w:
                out += wy * wx * feature[:, yy, xx]
    return out


def test_point_sample_matches_bilinear_reference():
    gen = torch.Generator().manual_seed(0)
    feature = torch.randn(2, 3, 5, 7, generator=gen, dtype=torch.float64)
    points = torch.rand(2, 11, 2, generator=gen, dtype=torch.float64)
    out = compat.point_sample(feature, points)
    assert out.shape == (2, 3, 11)
    for n in range(2):
        for p in range(11):
            x, y = points[n, p].tolist()
            ref = bilinear_reference(feature[n].numpy(), x, y)
            np.testing.assert_allclose(out[n, :, p].numpy(), ref, atol=1e-12)


def test_point_sample_grid_shape():
    feature = torch.arange(16.).view(1, 1, 4, 4)
    centres = torch.tensor([[[[0.125, 0.125], [0.875, 0.625]]]])  # pixel centres (0,0), (3,2)
    out = compat.point_sample(feature, centres)
    assert out.shape == (1, 1, 1, 2)
    assert out.flatten().tolist() == [0.0, 11.0]


def test_sigmoid_focal_loss_matches_elementwise_definition():
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    target = torch.tensor([0, 3, 1, 4, 2, 0])  # 4 == C: a row with no positive class
    weight = torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64)
    gamma, alpha = 2.0, 0.25
    expected = torch.zeros(6, 4, dtype=torch.float64)
    for n in range(6):
        for c in range(4):
            p = torch.sigmoid(logits[n, c])
            if target[n] == c:
                value = -alpha * (1 - p) ** gamma * torch.log(p)
            else:
                value = -(1 - alpha) * p ** gamma * torch.log(1 - p)
            expected[n, c] = value * (weight[target[n]] if target[n] < 4 else 1.0)
    out = compat.sigmoid_focal_loss(logits, target, gamma, alpha, weight, 'none')
    torch.testing.assert_close(out, expected)
    mean = compat.sigmoid_focal_loss(logits, target, gamma, alpha, weight, 'mean')
    torch.testing.assert_close(mean, expected.sum() / 6)


def test_sigmoid_focal_loss_rejects_unknown_reduction():
    with pytest.raises(ValueError, match='reduction'):
        compat.sigmoid_focal_loss(torch.zeros(1, 2), torch.zeros(1, dtype=torch.long),
                                  reduction='avg')


@pytest.mark.skipif(importlib.util.find_spec('mmcv._ext') is not None,
                    reason='compiled mmcv ops are installed; the stand-in is not used')
class TestMMCVOpsStandIn:

    def test_mmseg_focal_loss_through_stand_in_equals_its_python_version(self):
        import mmcv.ops
        from mmseg.models.losses import focal_loss

        assert mmcv.ops.point_sample is compat.point_sample
        gen = torch.Generator().manual_seed(2)
        logits = torch.randn(10, 5, generator=gen)
        target = torch.randint(0, 5, (10,), generator=gen)
        one_hot = nn.functional.one_hot(target, 5)
        for alpha in (0.25, [0.2, 0.4, 0.5, 0.6, 0.7]):
            via_stand_in = focal_loss.sigmoid_focal_loss(logits, target, one_hot, alpha=alpha)
            reference = focal_loss.py_sigmoid_focal_loss(logits, one_hot, alpha=alpha)
            torch.testing.assert_close(via_stand_in, reference)

    def test_missing_op_imports_but_fails_on_use_naming_the_op(self):
        from mmcv.ops import nms  # must not raise at import

        with pytest.raises(NotImplementedError, match=r'mmcv\.ops\.nms'):
            nms(torch.zeros(1, 4), torch.zeros(1), 0.5)

    def test_deformable_attention_submodule_fails_only_on_use(self):
        from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttention

        with pytest.raises(NotImplementedError, match='MultiScaleDeformableAttention'):
            MultiScaleDeformableAttention(embed_dims=8)

    def test_missing_op_class_keeps_isinstance_working(self):
        from mmcv.ops import DeformConv2d

        assert not isinstance(nn.Conv2d(1, 1, 1), DeformConv2d)

    def test_not_installed_when_compiled_ops_exist(self, monkeypatch):
        monkeypatch.setattr(importlib.util, 'find_spec', lambda name: object())
        assert compat.install_mmcv_ops_stand_in() is False


def test_training_checkpoint_loads_with_weights_only(tmp_path):
    from mmengine.logging import HistoryBuffer, MessageHub

    hub = MessageHub.get_instance('gss_test_ckpt')
    for value in (3.0, 1.0, 2.0):
        hub.update_scalar('train/loss', value)
    hub.update_info('eta', np.float64(12.5))
    checkpoint = {'meta': {'iter': 3}, 'state_dict': nn.Linear(2, 2).state_dict(),
                  'message_hub': hub.state_dict()}
    path = tmp_path / 'iter_3.pth'
    torch.save(checkpoint, path)

    loaded = torch.load(path, weights_only=True)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(2.0) and buffer.min() == 1.0
    assert loaded['message_hub']['runtime_info']['eta'] == 12.5


def test_history_buffer_keeps_custom_statistics_when_pickled():
    from mmengine.logging import HistoryBuffer

    buffer = HistoryBuffer([1.0, 5.0], [1, 1])
    state = buffer.__getstate__()
    assert 'statistics_methods' not in state  # built-ins are not pickled by reference
    restored = pickle.loads(pickle.dumps(buffer))
    assert restored.max() == 5.0 and restored.current() == 5.0


def _init_process(rank: int, world_size: int, port: int) -> None:
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size),
                      MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    from mmengine.dist import init_dist
    init_dist('pytorch', backend='nccl')  # as the configs ask; must fall back to gloo on CPU


def _sync_bn_data(world_size: int):
    gen = torch.Generator().manual_seed(1)
    return (torch.randn(world_size, 4, 2, 5, 5, generator=gen, dtype=torch.float64),
            torch.randn(world_size, 4, 3, 5, 5, generator=gen, dtype=torch.float64))


def _sync_bn_worker(rank: int, world_size: int, port: int, queue) -> None:
    import gss  # noqa: F401  (spawned processes apply the patches themselves)
    import torch.distributed as dist
    from mmengine.model.wrappers import MMDistributedDataParallel

    _init_process(rank, world_size, port)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.SyncBatchNorm(3)).double()
    ddp = MMDistributedDataParallel(model, device_ids=[rank])
    data, target = _sync_bn_data(world_size)
    out = ddp(data[rank])
    (out * target[rank]).sum().backward()
    bn = ddp.module[1]
    # numpy arrays travel by value; tensors would travel as shared-memory handles that die
    # with this process if the parent reads the queue late (a loaded machine).
    queue.put((rank, dist.get_backend(), type(bn).__name__, out.detach().numpy(),
               bn.running_mean.numpy(), bn.running_var.numpy(),
               ddp.module[0].weight.grad.numpy()))
    dist.barrier()
    dist.destroy_process_group()


@pytest.mark.slow
def test_two_cpu_processes_sync_batch_norm_equals_full_batch_norm(free_port):
    world_size = 2
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    procs = [ctx.Process(target=_sync_bn_worker, args=(r, world_size, free_port, queue))
             for r in range(world_size)]
    for p in procs:
        p.start()
    results = sorted(queue.get(timeout=300) for _ in range(world_size))  # spawn + imports
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0

    # Reference: one process, plain BatchNorm over the concatenated batch.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3)).double()
    data, target = _sync_bn_data(world_size)
    out = model(data.flatten(0, 1))
    # DDP averages gradients over ranks, so the reference loss is the mean of the rank losses.
    ((out * target.flatten(0, 1)).sum() / world_size).backward()
    for rank, backend, bn_type, *arrays in results:
        rank_out, mean, var, grad = (torch.from_numpy(a) for a in arrays)
        assert backend == 'gloo' and bn_type == 'CPUSyncBatchNorm'
        torch.testing.assert_close(rank_out, out[rank * 4:(rank + 1) * 4].detach())
        torch.testing.assert_close(mean, model[1].running_mean)
        torch.testing.assert_close(var, model[1].running_var)
        torch.testing.assert_close(grad, model[0].weight.grad)


def test_checkpoint_save_interrupted_midway_leaves_previous_file_intact(tmp_path, monkeypatch):
    from mmengine.runner import runner as runner_module

    path = str(tmp_path / 'iter_2.pth')
    runner_module.save_checkpoint({'state_dict': {'w': torch.ones(3)}}, path)

    def crash_after_partial_write(obj, f, *args, **kwargs):
        f.write(b'truncated')
        raise KeyboardInterrupt  # the process is stopped while writing

    monkeypatch.setattr(torch, 'save', crash_after_partial_write)
    with pytest.raises(KeyboardInterrupt):
        runner_module.save_checkpoint({'state_dict': {'w': torch.zeros(3)}}, path)
    monkeypatch.undo()
    loaded = torch.load(path, weights_only=True)
    assert torch.equal(loaded['state_dict']['w'], torch.ones(3))


def test_cpu_sync_batch_norm_forward_leaves_warning_filters_unchanged(free_port, monkeypatch):
    import torch.distributed.nn as dist_nn

    calls = []
    real_all_reduce = dist_nn.all_reduce
    monkeypatch.setattr(dist_nn, 'all_reduce',
                        lambda *args, **kwargs: calls.append(1) or real_all_reduce(*args, **kwargs))
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{free_port}', rank=0,
                            world_size=1)
    try:
        bn = compat.CPUSyncBatchNorm(3).train()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            filters_before = list(warnings.filters)
            bn(torch.randn(4, 3, 2, 2))
            filters_after = list(warnings.filters)
    finally:
        dist.destroy_process_group()
    assert calls == [1]  # the synchronised path ran, not the plain batch-norm fallback
    assert filters_after == filters_before
    assert not [w for w in caught if 'all_reduce' in str(w.message)]  # still silenced there


def test_close_distributed_frees_the_runners_ddp_before_destroying_the_group(free_port):
    """A runner that returned still holds its DDP wrapper (and the gloo group) in reference
    cycles; left to a collection at interpreter exit it can abort the process, so the tools'
    close_distributed frees it first."""
    import weakref

    from gss.engine import close_distributed
    from mmengine.model.wrappers import MMDistributedDataParallel

    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{free_port}', rank=0,
                            world_size=1)
    holder = {'model': MMDistributedDataParallel(nn.Linear(2, 2))}
    holder['self'] = holder  # the cycle that keeps a finished runner alive
    ddp = weakref.ref(holder['model'])
    del holder
    assert ddp() is not None  # reference counting alone does not free it
    close_distributed()
    assert ddp() is None
    assert not dist.is_initialized()


_REPORT_SAVE_PATCH = ('import gss, mmengine.runner.runner as r; '
                      "print(getattr(r.save_checkpoint, '__gss_patched__', False))")


@pytest.mark.slow
@pytest.mark.parametrize('no_compat, patched', [('1', 'False'), (None, 'True')])
def test_gss_no_compat_leaves_mmengine_unpatched(repo_root, no_compat, patched):
    env = dict(os.environ, PYTHONPATH=repo_root + os.pathsep + os.environ.get('PYTHONPATH', ''))
    env.pop('GSS_NO_COMPAT', None)
    if no_compat is not None:
        env['GSS_NO_COMPAT'] = no_compat
    result = subprocess.run([sys.executable, '-c', _REPORT_SAVE_PATCH], env=env, cwd=repo_root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr  # `import gss` works with or without patches
    assert result.stdout.strip() == patched


# ------------------------------------------------------ what a run without CUDA says about itself
TOY_CONFIG = 'configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py'


def _environment_log(monkeypatch, cuda: bool, world_size: int) -> tuple:
    """The runtime block mmengine's Runner logs at start-up, for a runner of ``world_size``
    processes on a machine with or without CUDA; and the runner's world size afterwards."""
    from types import SimpleNamespace

    import mmengine.runner.runner as runner_module
    from mmengine.config import Config

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
    monkeypatch.setattr(runner_module, 'collect_env', dict)  # the system block is not tested
    messages = []
    runner = SimpleNamespace(_randomness_cfg={}, _seed=0, _launcher='pytorch',
                             _distributed=world_size > 1, _world_size=world_size,
                             logger=SimpleNamespace(info=messages.append), cfg=Config())
    runner_module.Runner._log_env(runner, dict(dist_cfg=dict(backend='gloo')))
    return messages[0], runner._world_size


def test_environment_log_of_a_cpu_run_reports_no_gpu_and_its_processes(monkeypatch):
    log, world_size = _environment_log(monkeypatch, cuda=False, world_size=2)
    assert 'GPU number: 0\n' in log
    assert 'Processes: 2\n' in log
    assert world_size == 2  # the runner's own count is left as it was


def test_environment_log_of_a_cuda_run_is_mmengines(monkeypatch):
    log, _ = _environment_log(monkeypatch, cuda=True, world_size=2)
    assert 'GPU number: 2\n' in log
    assert 'Processes' not in log


@pytest.mark.parametrize('cuda, backend', [(False, 'gloo'), (True, 'nccl')])
def test_prepared_config_names_the_backend_this_machine_uses(repo_root, monkeypatch, cuda,
                                                             backend):
    from gss.engine import prepare_config

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
    monkeypatch.setenv('LOCAL_RANK', '0')
    cfg = prepare_config(os.path.join(repo_root, TOY_CONFIG), check_data=False)
    assert cfg.env_cfg.dist_cfg == dict(backend=backend)


def test_prepared_config_keeps_a_backend_other_than_nccl(repo_root, monkeypatch):
    from gss.engine import prepare_config

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setenv('LOCAL_RANK', '0')
    cfg = prepare_config(os.path.join(repo_root, TOY_CONFIG), check_data=False,
                         cfg_options={'env_cfg.dist_cfg.backend': 'mpi'})
    assert cfg.env_cfg.dist_cfg.backend == 'mpi'


# ----------------------------------------- --local-rank, as python -m torch.distributed.launch
@pytest.mark.parametrize('given, before, after', [(3, '0', '3'), (None, '2', '2'),
                                                  (None, None, '0')])
def test_local_rank_option_becomes_local_rank_variable(monkeypatch, given, before, after):
    from gss.engine.config_setup import use_local_rank

    if before is None:
        monkeypatch.delenv('LOCAL_RANK', raising=False)
    else:
        monkeypatch.setenv('LOCAL_RANK', before)
    use_local_rank(given)
    assert os.environ['LOCAL_RANK'] == after


def test_negative_local_rank_is_refused_in_one_line(monkeypatch):
    from gss.engine.config_setup import use_local_rank
    from gss.errors import InputError

    monkeypatch.setenv('LOCAL_RANK', '1')
    with pytest.raises(InputError, match=r'^--local-rank -1: must be 0 or more .*launcher$'):
        use_local_rank(-1)
    assert os.environ['LOCAL_RANK'] == '1'


@pytest.mark.parametrize('tool', ['train', 'test'])
@pytest.mark.parametrize('spelling', [['--local-rank=2'], ['--local_rank', '2']])
def test_tools_read_the_local_rank_the_launcher_passes(repo_root, monkeypatch, tool, spelling):
    spec = importlib.util.spec_from_file_location(f'gss_tool_{tool}',
                                                  os.path.join(repo_root, 'tools', f'{tool}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    positional = [TOY_CONFIG] + (['none'] if tool == 'test' else [])
    monkeypatch.setattr(sys, 'argv', [f'{tool}.py', *positional, '--launcher', 'pytorch',
                                      *spelling])
    assert module.parse_args().local_rank == 2
    monkeypatch.setattr(sys, 'argv', [f'{tool}.py', *positional])
    assert module.parse_args().local_rank is None
