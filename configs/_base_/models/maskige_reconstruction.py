# Stage-1 reconstruction (GSS's upper bound): GT mask -> X -> VQ-VAE -> X^-1, no image network.
# Evaluate with: python tools/test.py CONFIG none --eval mIoU
# Leaves set num_classes, the palette and the VQ-VAE, with paths relative to the leaf config
# (mmengine's fileDirname variable), e.g. in configs/gss/camvid/:
#   palette='{{ fileDirname }}/../../_base_/palettes/camvid_11.json',
#   vqvae=dict(type='MaskigeVQVAE',
#              checkpoint='{{ fileDirname }}/../../../checkpoints/maskige_vqvae_camvid.pth').
model = dict(
    type='MaskigeReconstructor',
    data_preprocessor=dict(type='SegDataPreProcessor', pad_val=0, seg_pad_val=255))
# Nothing is trained: keep the frozen VQ-VAE out of DistributedDataParallel.
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
