# GSS-FT-W in the open-set protocol: X^-1 learned for 200 iterations on the frozen network of
# gss-ff_effnet-lite0_800_camvid-180x240_unknown-bicyclist.py (its final checkpoint, or
# --load-from), bicyclist left out.
_base_ = [
    '../_base_/models/gss-ftw_effnet-lite0_camvid.py',
    '../_base_/datasets/camvid_180x240_unknown-bicyclist.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_camvid_cpu_ftw_200.py'
]
crop_size = (180, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=10,
                     palette='{{ fileDirname }}/../_base_/palettes/'
                     'camvid_11_unknown-bicyclist.json',
                     vqvae=dict(checkpoint='{{ fileDirname }}/../../checkpoints/'
                                'maskige_vqvae_camvid.pth')))
load_from = 'work_dirs/gss-ff_effnet-lite0_800_camvid-180x240_unknown-bicyclist/iter_800.pth'
train_dataloader = dict(batch_size=2)
