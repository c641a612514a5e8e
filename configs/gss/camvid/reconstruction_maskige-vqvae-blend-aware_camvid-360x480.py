# Stage-1 ceiling with the blend-aware CamVid palette and its maskige VQ-VAE, trained without
# sequence 0006R0 (docs/vqvae.md, "Generalisation to unseen masks").
_base_ = './reconstruction_maskige-vqvae_camvid-360x480.py'
model = dict(
    palette='{{ fileDirname }}/../../_base_/palettes/camvid_11_blend-aware.json',
    vqvae=dict(checkpoint='{{ fileDirname }}/../../../checkpoints/'
               'maskige_vqvae_camvid_blend-aware.pth'))
