# GSS-FF with HRNetV2-W48 (levels at 1/4..1/32 with 48, 96, 192, 384 channels) and the
# original's single-fusion head variant; frozen DALL-E dVAE. ImageNet weights: put mmseg's
# hrnetv2_w48 weights at checkpoints/hrnetv2_w48.pth (docs/models.md).
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='GSSEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='HRNet',
        norm_cfg=norm_cfg,
        norm_eval=False,
        extra=dict(
            stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(4, ),
                        num_channels=(64, )),
            stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(4, 4),
                        num_channels=(48, 96)),
            stage3=dict(num_modules=4, num_branches=3, block='BASIC', num_blocks=(4, 4, 4),
                        num_channels=(48, 96, 192)),
            stage4=dict(num_modules=3, num_branches=4, block='BASIC', num_blocks=(4, 4, 4, 4),
                        num_channels=(48, 96, 192, 384))),
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/hrnetv2_w48.pth')),
    decode_head=dict(
        type='GSSFFHead',
        in_channels=[96, 48, 192, 384],
        in_index=[1, 0, 2, 3],
        indice_channel_index=1,
        pixel_channel_index=1,
        single_fusion=True,
        channels=384,
        indice_seg_channel=512,
        indice_cls_channel=2048,
        swin_depth=6,
        swin_num_heads=16,
        swin_window_size=7,
        swin_mlp_ratio=2.0,
        dropout_ratio=0.1,
        norm_cfg=norm_cfg,
        align_corners=False,
        vqvae=dict(type='DalleVQVAE', checkpoint='checkpoints/dalle_dvae.pth')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
