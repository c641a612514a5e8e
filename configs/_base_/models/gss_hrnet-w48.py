# The GSS network with HRNetV2-W48 (levels at 1/4..1/32 with 48, 96, 192, 384 channels); frozen
# DALL-E dVAE. Its GSS-FF uses the original's single-fusion head variant. ImageNet weights: put
# mmseg's hrnetv2_w48 weights at checkpoints/hrnetv2_w48.pth (docs/models.md).
_base_ = ['./gss_r101-d8.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(
        _delete_=True,
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
        init_cfg=dict(type='Pretrained',
                      checkpoint='{{ fileDirname }}/../../../checkpoints/hrnetv2_w48.pth')),
    decode_head=dict(in_channels=[96, 48, 192, 384], swin_depth=6))
