# GSS-FT-W on the toy scenes: X^-1 learned for 300 iterations on the frozen network of
# gss-ff_effnet-lite0_1k_toy-128x128.py (its final checkpoint, or --load-from).
# The learned X^-1 runs Swin blocks over every pixel of the 2x-resolution maskige, by far the
# most expensive part on a CPU; it is kept narrow here (32 channels, MLP ratio 2, batch 4).
_base_ = [
    '../../_base_/models/gss_effnet-lite0_toy.py', '../../_base_/datasets/toy_scenes.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_toy_1k.py'
]
crop_size = (128, 128)
model = dict(
    freeze_image_network=True,
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(type='GSSFTWHead', inverse_channels=32, inverse_swin_depth=1,
                     inverse_swin_num_heads=2, inverse_swin_window_size=7,
                     inverse_swin_mlp_ratio=2.0,
                     # X^-1 starts as the nearest colour and learns a correction; plain
                     # cross-entropy (balancing the classes over-predicts the thin ring and pole
                     # here: docs/models.md, learned X^-1).
                     inverse_mode='residual'))
load_from = 'work_dirs/gss-ff_effnet-lite0_1k_toy-128x128/iter_1000.pth'
train_dataloader = dict(batch_size=4)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=30),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=30, end=300, by_epoch=False),
]
train_cfg = dict(max_iters=300, val_interval=150)
default_hooks = dict(checkpoint=dict(interval=150))
