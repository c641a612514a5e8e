# The GSS network with EfficientNet-Lite0 on CamVid (11 classes) and its maskige prior: the
# blend-aware posterior-learning palette and the maskige VQ-VAE fine-tuned with mask-layout
# augmentation, chosen on the held-out drive 0006R0, which neither saw (docs/results.md,
# "Choices made here"). GSS-FF and GSS-FT-W configs of every CamVid schedule and size build on
# it (gss-ff_effnet-lite0_camvid.py, gss-ftw_effnet-lite0_camvid.py).
_base_ = './gss_effnet-lite0.py'
model = dict(
    decode_head=dict(
        num_classes=11,
        palette='{{ fileDirname }}/../palettes/camvid_11_blend-aware.json',
        vqvae=dict(type='MaskigeVQVAE',
                   checkpoint='{{ fileDirname }}/../../../checkpoints/'
                   'maskige_vqvae_camvid_layout-aug.pth',
                   # bfloat16 where native: a faster tokeniser, same maskiges
                   # (docs/vqvae.md, precision)
                   precision='auto')))
