# GSS-FT-W's schedule over a GSS-FF of the converged CamVid schedule (schedule_camvid_cpu_4k.py):
# the learned X^-1 for 1000 iterations. An FT-W config inherits its GSS-FF config, which already
# sets the schedule (mmengine refuses a key set by two bases), so the values are named ftw_* and
# the FT-W config takes them over:
#   param_scheduler = {{_base_.ftw_param_scheduler}}
#   train_cfg = {{_base_.ftw_train_cfg}}
#   default_hooks = {{_base_.ftw_default_hooks}}
ftw_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=50, end=1000, by_epoch=False),
]
ftw_train_cfg = dict(max_iters=1000, val_interval=500)
ftw_default_hooks = dict(checkpoint=dict(interval=500))
