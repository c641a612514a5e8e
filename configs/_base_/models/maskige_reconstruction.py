# Stage-1 reconstruction (GSS's upper bound): GT mask -> X -> VQ-VAE -> X^-1, no image network.
# Evaluate with: python tools/test.py CONFIG none --eval mIoU
# Leaves set num_classes, the palette and the VQ-VAE, e.g.
#   vqvae=dict(type='DalleVQVAE', checkpoint='checkpoints/dalle_dvae.pth') or
#   vqvae=dict(type='MaskigeVQVAE', checkpoint='checkpoints/maskige_vqvae_camvid.pth').
model = dict(
    type='MaskigeReconstructor',
    data_preprocessor=dict(type='SegDataPreProcessor', pad_val=0, seg_pad_val=255),
    scale=2)
# Nothing is trained: keep the frozen VQ-VAE out of DistributedDataParallel.
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
