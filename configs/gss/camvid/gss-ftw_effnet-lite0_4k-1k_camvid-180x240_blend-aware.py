# GSS-FT-W over gss-ff_effnet-lite0_4k_camvid-180x240_blend-aware.py: the same X^-1 training as
# gss-ftw_effnet-lite0_4k-1k_camvid-180x240.py, on the blend-aware maskige pair.
_base_ = ['./gss-ff_effnet-lite0_4k_camvid-180x240_blend-aware.py',
          '../../_base_/models/gss-ftw_effnet-lite0_camvid.py']
model = {{_base_.ftw_model}}
load_from = {{_base_.gss_ff_checkpoint}}
train_dataloader = {{_base_.ftw_train_dataloader}}
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=50, end=1000, by_epoch=False),
]
train_cfg = dict(max_iters=1000, val_interval=500)
default_hooks = dict(checkpoint=dict(interval=500))
