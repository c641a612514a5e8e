# The CPU CamVid schedule shared by every model of the CamVid comparison
# (tools/benchmarks/camvid_cpu.py): AdamW, warm-up then poly decay, 800 iterations of batch 4
# (about 8.7 epochs of the 367 training images).
_base_ = './schedule_toy_1k.py'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=80),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=80, end=800, by_epoch=False),
]
train_cfg = dict(max_iters=800, val_interval=800)
default_hooks = dict(checkpoint=dict(interval=200, max_keep_ckpts=1))
