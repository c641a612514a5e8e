# Stage-1 ceiling of the CPU CamVid schedule: the half-resolution labels through X, the VQ-VAE
# (after GSS's 2x upsampling) and X^-1.
_base_ = [
    '../../_base_/models/maskige_reconstruction.py', '../../_base_/datasets/camvid_180x240.py',
    '../../_base_/default_runtime.py'
]
model = dict(
    num_classes=11,
    palette='{{ fileDirname }}/../../_base_/palettes/camvid_11.json',
    vqvae=dict(type='MaskigeVQVAE',
               checkpoint='{{ fileDirname }}/../../../checkpoints/maskige_vqvae_camvid.pth'))
