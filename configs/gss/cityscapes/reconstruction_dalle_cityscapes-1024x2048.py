_base_ = [
    '../../_base_/models/maskige_reconstruction.py',
    '../../_base_/datasets/cityscapes_768x768.py', '../../_base_/default_runtime.py'
]
# Cityscapes' own 19 colours + black for ignore, as the original; whole 1024x2048 masks.
model = dict(
    num_classes=19,
    palette='{{ fileDirname }}/../../_base_/palettes/cityscapes_19.json',
    vqvae=dict(type='DalleVQVAE',
               checkpoint='{{ fileDirname }}/../../../checkpoints/dalle_dvae.pth'))
