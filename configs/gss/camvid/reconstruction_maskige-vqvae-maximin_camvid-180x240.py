# Stage-1 ceiling with the maximin CamVid palette (camvid_11.json) and its maskige VQ-VAE, trained
# on every training mask with val's drive among them: the CamVid prior before the held-out
# choice, and the one the open-set configs and gss-ff_effnet-lite0_4k_camvid-180x240_pixel-128.py
# keep (docs/vqvae.md, "Generalisation to unseen masks").
_base_ = './reconstruction_maskige-vqvae_camvid-180x240.py'
model = dict(
    palette='{{ fileDirname }}/../../_base_/palettes/camvid_11.json',
    vqvae=dict(checkpoint='{{ fileDirname }}/../../../checkpoints/maskige_vqvae_camvid.pth'))
