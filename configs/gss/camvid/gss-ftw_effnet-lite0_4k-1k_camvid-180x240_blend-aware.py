# GSS-FT-W over gss-ff_effnet-lite0_4k_camvid-180x240_blend-aware.py: X^-1 learned for 1000
# iterations on its frozen network, on the blend-aware maskige pair, without the pixel mix (the
# shipped checkpoint was trained and measured so).
_base_ = [
    '../../_base_/models/gss-ftw_effnet-lite0_camvid.py', '../../_base_/datasets/camvid_180x240.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_camvid_cpu_ftw_1k.py'
]
crop_size = (180, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        palette='{{ fileDirname }}/../../_base_/palettes/camvid_11_blend-aware.json',
        vqvae=dict(checkpoint='{{ fileDirname }}/../../../checkpoints/'
                   'maskige_vqvae_camvid_blend-aware.pth')))
load_from = 'work_dirs/gss-ff_effnet-lite0_4k_camvid-180x240_blend-aware/iter_4000.pth'
train_dataloader = dict(batch_size=2)
