# GSS-FT-W's schedule over a CamVid GSS-FF of the 800-iteration CPU schedule: the learned X^-1
# for 200 iterations of batch 2 with the optimiser of schedule_camvid_cpu.py.
_base_ = './schedule_camvid_cpu.py'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=20),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=20, end=200, by_epoch=False),
]
train_cfg = dict(max_iters=200, val_interval=200)
default_hooks = dict(checkpoint=dict(interval=100))
