# GSS-FT-W of the CPU CamVid comparison: X^-1 learned for 200 iterations on the frozen network
# of gss-ff_effnet-lite0_800_camvid-180x240.py (its final checkpoint, or --load-from).
# Narrow, as on the toy scenes: the learned X^-1 runs over every pixel of the 2x maskige.
_base_ = './gss-ff_effnet-lite0_800_camvid-180x240.py'
model = dict(
    freeze_image_network=True,
    decode_head=dict(type='GSSFTWHead', post_seg_channel=32, post_swin_depth=1,
                     post_swin_num_heads=2, post_swin_window_size=7, post_swin_mlp_ratio=2.0,
                     # X^-1 starts as the nearest colour and learns a correction (a plain
                     # learned X^-1 erased CamVid's rare classes). Plain cross-entropy: the
                     # GSS-FF under it already weighs rare classes (token_class_balance), and
                     # a class-balanced loss on top did worse (docs/models.md).
                     inverse_mode='residual'))
load_from = {{_base_.gss_ff_checkpoint}}
train_dataloader = dict(batch_size=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=20),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=20, end=200, by_epoch=False),
]
train_cfg = dict(max_iters=200, val_interval=200)
default_hooks = dict(checkpoint=dict(interval=100))
