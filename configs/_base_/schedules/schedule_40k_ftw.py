# GSS-FT-W's schedule over a GSS-FF of the 80k / 160k schedules: the learned X^-1 for 40k
# iterations, AdamW at lr 1.5e-3 (schedule_80k.py's; the 160k GSS-FF schedules train at 1.2e-4).
_base_ = './schedule_80k.py'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=1500, end=40000, by_epoch=False),
]
train_cfg = dict(max_iters=40000, val_interval=4000)
default_hooks = dict(checkpoint=dict(interval=4000))
