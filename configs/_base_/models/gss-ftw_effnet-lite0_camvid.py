# GSS-FT-W on the CamVid GSS network: the image network frozen, a learned X^-1 on its decoded
# maskige. Narrow, as on the toy scenes: the learned X^-1 runs over every pixel of the 2x maskige.
_base_ = './gss_effnet-lite0_camvid.py'
model = dict(
    freeze_image_network=True,
    decode_head=dict(type='GSSFTWHead', inverse_channels=32, inverse_swin_depth=1,
                     inverse_swin_num_heads=2, inverse_swin_window_size=7,
                     inverse_swin_mlp_ratio=2.0,
                     # X^-1 starts as the nearest colour and learns a correction (a plain
                     # learned X^-1 erased CamVid's rare classes). Plain cross-entropy: the
                     # GSS-FF under it already weighs rare classes (token_class_balance), and
                     # a class-balanced loss on top did worse (docs/models.md).
                     inverse_mode='residual'))
