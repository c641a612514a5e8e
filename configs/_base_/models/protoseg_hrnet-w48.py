# ProtoSeg as released: HRNetV2-W48 as openseg.pytorch computes it (OpenSegHRNet: mmseg's HRNet
# with openseg's upsampling in the branch fusion), the four branches concatenated at 1/4 scale
# (720 channels), 3x3 conv, projection to a 720-d embedding, 10 prototypes per class.
# ImageNet weights: mmseg's hrnetv2_w48 at checkpoints/hrnetv2_w48.pth (docs/models.md; same names).
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='OpenSegHRNet',
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
    decode_head=dict(
        type='ProtoSegHead',
        in_channels=[48, 96, 192, 384],
        in_index=[0, 1, 2, 3],
        channels=720,
        embed_dim=720,
        num_prototypes=10,
        momentum=0.999,
        ppc_temperature=0.1,
        ppc_weight=0.01,
        ppd_weight=0.001,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=True,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
