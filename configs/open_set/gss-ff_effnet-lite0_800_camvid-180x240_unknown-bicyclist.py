# GSS-FF in the open-set protocol (tools/analysis/open_set.py): bicyclist left out, 800
# iterations, as the baseline there. X paints the ten known classes with their colours of the
# maximin CamVid palette (bicyclist's colour is dropped); the VQ-VAE is the one trained with that
# palette (maskige_vqvae_camvid.pth).
_base_ = [
    '../_base_/models/gss-ff_effnet-lite0_camvid.py',
    '../_base_/datasets/camvid_180x240_unknown-bicyclist.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_camvid_cpu.py'
]
crop_size = (180, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=10,
                     palette='{{ fileDirname }}/../_base_/palettes/'
                     'camvid_11_unknown-bicyclist.json',
                     vqvae=dict(checkpoint='{{ fileDirname }}/../../checkpoints/'
                                'maskige_vqvae_camvid.pth')))
