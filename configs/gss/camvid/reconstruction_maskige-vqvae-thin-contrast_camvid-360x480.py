# Stage-1 ceiling with the thin-contrast CamVid palette (blend-aware, with pole keeping its colour
# contrast: posterior_learning.py --keep-contrast 2) and its maskige VQ-VAE, trained without
# sequence 0006R0 (docs/vqvae.md, "Generalisation to unseen masks").
_base_ = './reconstruction_maskige-vqvae_camvid-360x480.py'
model = dict(
    palette='{{ fileDirname }}/../../_base_/palettes/camvid_11_thin-contrast.json',
    vqvae=dict(checkpoint='{{ fileDirname }}/../../../checkpoints/'
               'maskige_vqvae_camvid_thin-contrast.pth'))
