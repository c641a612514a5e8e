# GSS-FT-W's learned X^-1 for the CamVid EfficientNet-Lite0 GSS-FF configs. An FT-W config
# inherits its GSS-FF config, which already sets `model`, so this is named ftw_model and the FT-W
# config takes it over: model = {{_base_.ftw_model}} (merged into the GSS-FF model).
# Narrow, as on the toy scenes: the learned X^-1 runs over every pixel of the 2x maskige.
ftw_model = dict(
    freeze_image_network=True,
    decode_head=dict(type='GSSFTWHead', post_seg_channel=32, post_swin_depth=1,
                     post_swin_num_heads=2, post_swin_window_size=7, post_swin_mlp_ratio=2.0,
                     # X^-1 starts as the nearest colour and learns a correction (a plain
                     # learned X^-1 erased CamVid's rare classes). Plain cross-entropy: the
                     # GSS-FF under it already weighs rare classes (token_class_balance), and
                     # a class-balanced loss on top did worse (docs/models.md).
                     inverse_mode='residual'))
ftw_train_dataloader = dict(batch_size=2)
