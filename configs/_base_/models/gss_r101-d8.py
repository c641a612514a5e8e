# The GSS network with a dilated ResNet-101 V1c (strides 1, 2, 1, 1: levels at 1/4, 1/8, 1/8,
# 1/8), the paper's Cityscapes R101 setting: I_psi's token branch and the frozen DALL-E dVAE,
# shared by GSS-FF and GSS-FT-W; a leaf names the head (GSSFFHead or GSSFTWHead). ImageNet
# weights: put mmseg's resnet101_v1c weights at checkpoints/resnet101_v1c.pth (docs/models.md).
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
        type='ResNetV1c',
        depth=101,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(type='Pretrained',
                      checkpoint='{{ fileDirname }}/../../../checkpoints/resnet101_v1c.pth')),
    decode_head=dict(
        in_channels=[512, 256, 1024, 2048],
        in_index=[1, 0, 2, 3],
        token_grid_index=1,
        channels=384,
        token_channels=512,
        token_classifier_channels=2048,
        swin_depth=6,
        swin_num_heads=16,
        swin_window_size=7,
        swin_mlp_ratio=2.0,
        norm_cfg=norm_cfg,
        align_corners=False,
        vqvae=dict(type='DalleVQVAE',
                   checkpoint='{{ fileDirname }}/../../../checkpoints/dalle_dvae.pth')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
