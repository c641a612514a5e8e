# GSS-FF with Swin-L (ImageNet-22k, window 12, 384 pretraining); frozen DALL-E dVAE. ImageNet
# weights: put mmseg's converted swin_large_patch4_window12_384_22k weights at
# checkpoints/swin_large_patch4_window12_384_22k.pth (docs/models.md).
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
        type='SwinTransformer',
        pretrain_img_size=384,
        embed_dims=192,
        patch_size=4,
        window_size=12,
        mlp_ratio=4,
        depths=[2, 2, 18, 2],
        num_heads=[6, 12, 24, 48],
        strides=(4, 2, 2, 2),
        out_indices=(0, 1, 2, 3),
        qkv_bias=True,
        drop_path_rate=0.3,
        patch_norm=True,
        act_cfg=dict(type='GELU'),
        norm_cfg=dict(type='LN', requires_grad=True),
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/swin_large_patch4_window12_384_22k.pth')),
    decode_head=dict(
        type='GSSFFHead',
        in_channels=[384, 192, 768, 1536],
        in_index=[1, 0, 2, 3],
        indice_channel_index=1,
        pixel_channel_index=1,
        channels=384,
        indice_seg_channel=512,
        indice_cls_channel=2048,
        swin_depth=2,
        swin_num_heads=16,
        swin_window_size=7,
        swin_mlp_ratio=2.0,
        dropout_ratio=0.1,
        norm_cfg=norm_cfg,
        align_corners=False,
        vqvae=dict(type='DalleVQVAE', checkpoint='checkpoints/dalle_dvae.pth')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
