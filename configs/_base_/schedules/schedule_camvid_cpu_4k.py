# The converged CamVid schedule of the comparison (tools/benchmarks/camvid_cpu.py --schedule 4k):
# the CPU schedule's recipe run five times longer, 4000 iterations of batch 4 (about 44 epochs of
# the 367 training images), validated every 800 iterations so that one run also gives the mIoU
# against iterations (docs/results.md, converged schedule).
_base_ = './schedule_camvid_cpu.py'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=80),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=80, end=4000, by_epoch=False),
]
train_cfg = dict(max_iters=4000, val_interval=800)
default_hooks = dict(checkpoint=dict(interval=800))
