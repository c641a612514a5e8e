# GSS-FF on the built-in toy scenes (the README's main job): the project's maskige VQ-VAE and a
# posterior-learning palette (tools/posterior_learning.py --num_classes 7).
_base_ = [
    '../../_base_/models/gss-ff_effnet-lite0.py', '../../_base_/datasets/toy_scenes.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_toy_1k.py'
]
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        num_classes=7,
        palette='configs/_base_/palettes/toy_7.json',
        vqvae=dict(type='MaskigeVQVAE', checkpoint='checkpoints/maskige_vqvae_toy.pth')))
