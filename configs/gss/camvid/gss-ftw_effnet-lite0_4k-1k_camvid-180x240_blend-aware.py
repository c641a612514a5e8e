# GSS-FT-W over gss-ff_effnet-lite0_4k_camvid-180x240_blend-aware.py: the same X^-1 training as
# gss-ftw_effnet-lite0_4k-1k_camvid-180x240.py, on the blend-aware maskige pair.
_base_ = './gss-ftw_effnet-lite0_4k-1k_camvid-180x240.py'
model = dict(
    decode_head=dict(
        palette='{{ fileDirname }}/../../_base_/palettes/camvid_11_blend-aware.json',
        vqvae=dict(checkpoint='{{ fileDirname }}/../../../checkpoints/'
                   'maskige_vqvae_camvid_blend-aware.pth')))
load_from = 'work_dirs/gss-ff_effnet-lite0_4k_camvid-180x240_blend-aware/iter_4000.pth'
