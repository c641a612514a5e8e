_base_ = [
    '../../_base_/models/maskige_reconstruction.py', '../../_base_/datasets/toy_scenes.py',
    '../../_base_/default_runtime.py'
]
model = dict(
    num_classes=7,
    palette='{{ fileDirname }}/../../_base_/palettes/toy_7.json',
    vqvae=dict(type='MaskigeVQVAE',
               checkpoint='{{ fileDirname }}/../../../checkpoints/maskige_vqvae_toy.pth'))
