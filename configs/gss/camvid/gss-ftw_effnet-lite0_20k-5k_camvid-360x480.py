# GSS-FT-W on CamVid: X^-1 learned for 5k iterations on the frozen GSS-FF network.
_base_ = './gss-ff_effnet-lite0_20k_camvid-360x480.py'
model = dict(
    freeze_image_network=True,
    decode_head=dict(type='GSSFTWHead', post_seg_channel=64, post_swin_depth=1,
                     # As the 180x240 CPU config: residual X^-1, plain cross-entropy over a
                     # GSS-FF that weighs rare classes (docs/models.md).
                     inverse_mode='residual'))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=200),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=200, end=5000, by_epoch=False),
]
train_cfg = dict(max_iters=5000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
load_from = {{_base_.gss_ff_checkpoint}}
