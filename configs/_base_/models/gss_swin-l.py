# The GSS network with Swin-L (ImageNet-22k, window 12, 384 pretraining); frozen DALL-E dVAE. The
# token branch is the R101 base's with Swin-L's channels and 2 Swin blocks. ImageNet weights:
# put mmseg's converted swin_large_patch4_window12_384_22k weights at
# checkpoints/swin_large_patch4_window12_384_22k.pth (docs/models.md).
_base_ = ['./gss_r101-d8.py']
model = dict(
    backbone=dict(
        _delete_=True,
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
                      checkpoint='{{ fileDirname }}/../../../checkpoints/'
                                 'swin_large_patch4_window12_384_22k.pth')),
    decode_head=dict(in_channels=[384, 192, 768, 1536], swin_depth=2))
