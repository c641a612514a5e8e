# GSS-FT-W on CamVid at 360x480: X^-1 learned for 5k iterations on the frozen network of
# gss-ff_effnet-lite0_20k_camvid-360x480.py (its final checkpoint, or --load-from), with that
# config's optimiser.
_base_ = [
    '../../_base_/models/gss-ftw_effnet-lite0_camvid.py', '../../_base_/datasets/camvid_360x480.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_80k.py'
]
crop_size = (360, 480)
model = dict(data_preprocessor=dict(size=crop_size),
             decode_head=dict(inverse_channels=64, inverse_swin_num_heads=4))
optimizer = dict(lr=1e-3)
optim_wrapper = dict(optimizer=optimizer)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=200),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=200, end=5000, by_epoch=False),
]
train_cfg = dict(max_iters=5000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
load_from = 'work_dirs/gss-ff_effnet-lite0_20k_camvid-360x480/iter_20000.pth'
