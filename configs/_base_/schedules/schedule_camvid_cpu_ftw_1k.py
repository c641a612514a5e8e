# GSS-FT-W's schedule over a CamVid GSS-FF of the CPU schedules: the learned X^-1 for 1000
# iterations with the optimiser of schedule_camvid_cpu.py.
_base_ = './schedule_camvid_cpu.py'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=50, end=1000, by_epoch=False),
]
train_cfg = dict(max_iters=1000, val_interval=500)
default_hooks = dict(checkpoint=dict(interval=500))
