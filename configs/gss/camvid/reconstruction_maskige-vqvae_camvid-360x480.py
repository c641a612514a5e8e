_base_ = [
    '../../_base_/models/maskige_reconstruction.py', '../../_base_/datasets/camvid_360x480.py',
    '../../_base_/default_runtime.py'
]
model = dict(
    num_classes=11,
    palette='{{ fileDirname }}/../../_base_/palettes/camvid_11.json',
    vqvae=dict(type='MaskigeVQVAE',
               checkpoint='{{ fileDirname }}/../../../checkpoints/maskige_vqvae_camvid.pth'))
