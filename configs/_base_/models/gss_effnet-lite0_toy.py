# The GSS network with EfficientNet-Lite0 on the built-in toy scenes (7 classes): the project's
# toy maskige VQ-VAE (1000 codes) and a posterior-learning palette
# (tools/posterior_learning.py --num_classes 7).
_base_ = './gss_effnet-lite0.py'
model = dict(
    decode_head=dict(
        num_classes=7,
        palette='{{ fileDirname }}/../palettes/toy_7.json',
        vqvae=dict(type='MaskigeVQVAE',
                   checkpoint='{{ fileDirname }}/../../../checkpoints/maskige_vqvae_toy.pth',
                   # bfloat16 where native: a faster tokeniser, same maskiges
                   # (docs/vqvae.md, precision)
                   precision='auto')))
