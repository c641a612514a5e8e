# GMMSeg as released: SegFormer MiT-B5 (mmseg's MixVisionTransformer), SegFormer-style decoder
# with 768 channels, 64-d embedding, the released EM settings (memory of 1000 per component here,
# not checkpointed). ImageNet weights: mmseg's converted mit_b5 at checkpoints/mit_b5.pth
# (docs/models.md). Leaves set num_classes and num_components.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='OpenSetEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=64,
        num_stages=4,
        num_layers=[3, 6, 40, 3],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=4,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained',
                      checkpoint='{{ fileDirname }}/../../../checkpoints/mit_b5.pth')),
    decode_head=dict(
        type='GMMSegHead',
        in_channels=[64, 128, 320, 512],
        in_index=[0, 1, 2, 3],
        channels=768,
        embed_dim=64,
        num_components=5,
        memory_size=1000,
        samples_per_iter=20,
        em_interval=5,
        mean_momentum=0.999,
        std_momentum=0.0,
        component_loss_weight=0.01,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
# The released optimiser, for the leaves (optim_wrapper = {{_base_.gmmseg_optim_wrapper}}; the
# schedule bases define their own optim_wrapper, replaced by _delete_): AdamW 6e-5, head lr x10,
# no decay on norms and position blocks. The schedules' 1500 warm-up iterations from 1e-6 and
# poly decay (power 1) are the released ones.
gmmseg_optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys=dict(pos_block=dict(decay_mult=0.0),
                                        norm=dict(decay_mult=0.0),
                                        head=dict(lr_mult=10.0))))
