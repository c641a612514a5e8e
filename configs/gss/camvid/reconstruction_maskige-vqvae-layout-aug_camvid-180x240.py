# Stage-1 ceiling with the blend-aware CamVid palette and its maskige VQ-VAE fine-tuned with
# mask-layout augmentation, chosen on the held-out drive 0006R0, which it never saw (docs/vqvae.md,
# "Mask-layout augmentation").
_base_ = './reconstruction_maskige-vqvae-blend-aware_camvid-180x240.py'
model = dict(vqvae=dict(checkpoint='{{ fileDirname }}/../../../checkpoints/'
                        'maskige_vqvae_camvid_layout-aug.pth'))
