# GSS-FF on CamVid (11 classes): EfficientNet-Lite0, the project's maskige VQ-VAE and the
# posterior-learning palette; same backbone and schedule as
# configs/baseline/upernet_effnet-lite0_20k_camvid-360x480.py.
_base_ = [
    '../../_base_/models/gss-ff_effnet-lite0_camvid.py', '../../_base_/datasets/camvid_360x480.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_80k.py'
]
crop_size = (360, 480)
model = dict(data_preprocessor=dict(size=crop_size))
optimizer = dict(lr=1e-3)
optim_wrapper = dict(optimizer=optimizer)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=500, end=20000, by_epoch=False),
]
train_cfg = dict(max_iters=20000, val_interval=2000)
# This run's last checkpoint, where its GSS-FT-W config starts (load_from): iter_N must be
# train_cfg.max_iters above.
default_hooks = dict(checkpoint=dict(interval=2000))
