# GSS-FF of the converged CamVid comparison on the blend-aware CamVid palette and its maskige
# VQ-VAE (trained without sequence 0006R0; stage-1 ceiling at this resolution:
# reconstruction_maskige-vqvae-blend-aware_camvid-180x240.py). Everything else is
# gss-ff_effnet-lite0_4k_camvid-180x240_pixel-128.py (the pixel branch its shipped checkpoints were
# trained with), so the two differ only in the maskige pair.
_base_ = './gss-ff_effnet-lite0_4k_camvid-180x240_pixel-128.py'
model = dict(
    decode_head=dict(
        palette='{{ fileDirname }}/../../_base_/palettes/camvid_11_blend-aware.json',
        vqvae=dict(checkpoint='{{ fileDirname }}/../../../checkpoints/'
                   'maskige_vqvae_camvid_blend-aware.pth')))
