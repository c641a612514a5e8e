# Stage-1 ceiling of the CPU CamVid schedule: the half-resolution labels through X, the VQ-VAE
# (after GSS's 2x upsampling) and X^-1, with the default CamVid maskige prior: the blend-aware
# palette and the VQ-VAE fine-tuned with mask-layout augmentation, chosen on the held-out drive
# 0006R0, which neither saw (docs/vqvae.md, "Mask-layout augmentation").
_base_ = [
    '../../_base_/models/maskige_reconstruction.py', '../../_base_/datasets/camvid_180x240.py',
    '../../_base_/default_runtime.py'
]
model = dict(
    num_classes=11,
    palette='{{ fileDirname }}/../../_base_/palettes/camvid_11_blend-aware.json',
    vqvae=dict(type='MaskigeVQVAE',
               checkpoint='{{ fileDirname }}/../../../checkpoints/'
               'maskige_vqvae_camvid_layout-aug.pth'))
