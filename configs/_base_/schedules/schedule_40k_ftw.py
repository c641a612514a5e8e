# GSS-FT-W's X^-1 schedule for the paper configs: 40k iterations after the FF run ("80k-40k",
# "160k-40k"), AdamW lr 1.5e-3, the FF schedules' warm-up and poly decay. An FT-W config
# inherits its GSS-FF config, which already sets these keys, so they are named ftw_* here and
# the FT-W config takes them over: param_scheduler = {{_base_.ftw_param_scheduler}}, etc.
ftw_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=1500, end=40000, by_epoch=False),
]
ftw_train_cfg = dict(max_iters=40000, val_interval=4000)
ftw_default_hooks = dict(checkpoint=dict(interval=4000))
ftw_optimizer = dict(lr=1.5e-3)  # the 160k FF schedules' is 1.2e-4
ftw_optim_wrapper = dict(optimizer=ftw_optimizer)
