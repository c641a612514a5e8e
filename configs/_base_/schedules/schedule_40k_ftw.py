# GSS-FT-W's X^-1 schedule: 40k iterations after the FF schedule ("80k_40k", "160k_40k"),
# AdamW lr 1.5e-3, same warm-up and poly decay as the FF schedules.
_base_ = ['./schedule_80k.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=1500, end=40000, by_epoch=False),
]
train_cfg = dict(max_iters=40000, val_interval=4000)
default_hooks = dict(checkpoint=dict(interval=4000))
