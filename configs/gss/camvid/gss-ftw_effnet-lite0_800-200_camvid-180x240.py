# GSS-FT-W of the CPU CamVid comparison: X^-1 learned for 200 iterations on the frozen network
# of gss-ff_effnet-lite0_800_camvid-180x240.py (its final checkpoint, or --load-from).
_base_ = [
    '../../_base_/models/gss-ftw_effnet-lite0_camvid.py', '../../_base_/datasets/camvid_180x240.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_camvid_cpu.py'
]
crop_size = (180, 240)
model = dict(data_preprocessor=dict(size=crop_size))
load_from = 'work_dirs/gss-ff_effnet-lite0_800_camvid-180x240/iter_800.pth'
train_dataloader = dict(batch_size=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=20),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=20, end=200, by_epoch=False),
]
train_cfg = dict(max_iters=200, val_interval=200)
default_hooks = dict(checkpoint=dict(interval=100))
