_base_ = [
    '../../_base_/models/maskige_reconstruction.py', '../../_base_/datasets/ade20k_512x512.py',
    '../../_base_/default_runtime.py'
]
# Posterior-learning palette (tools/posterior_learning.py --num_classes 150).
model = dict(
    num_classes=150,
    palette='{{ fileDirname }}/../../_base_/palettes/ade20k_150.json',
    vqvae=dict(type='DalleVQVAE',
               checkpoint='{{ fileDirname }}/../../../checkpoints/dalle_dvae.pth'))
