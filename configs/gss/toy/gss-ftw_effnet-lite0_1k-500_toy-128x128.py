# GSS-FT-W on the toy scenes: X^-1 learned for 500 iterations on top of the frozen GSS-FF
# network of gss-ff_effnet-lite0_1k_toy-128x128.py (its final checkpoint, or --load-from).
_base_ = './gss-ff_effnet-lite0_1k_toy-128x128.py'
model = dict(
    freeze_image_network=True,
    decode_head=dict(type='GSSFTWHead', post_seg_channel=64, post_swin_depth=1,
                     post_swin_num_heads=4, post_swin_window_size=7))
load_from = 'work_dirs/gss-ff_effnet-lite0_1k_toy-128x128/iter_1000.pth'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=50, end=500, by_epoch=False),
]
train_cfg = dict(max_iters=500, val_interval=250)
