# GSS-FF on the built-in toy scenes (the README's main job): the project's maskige VQ-VAE and a
# posterior-learning palette (tools/posterior_learning.py --num_classes 7).
_base_ = [
    '../../_base_/models/gss-ff_effnet-lite0.py', '../../_base_/datasets/toy_scenes.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_toy_1k.py'
]
# This run's last checkpoint, where its GSS-FT-W config starts (load_from): iter_N must be
# train_cfg.max_iters of the schedule above (schedule_toy_1k.py: 1000).
gss_ff_checkpoint = 'work_dirs/{{ fileBasenameNoExtension }}/iter_1000.pth'
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        num_classes=7,
        palette='{{ fileDirname }}/../../_base_/palettes/toy_7.json',
        vqvae=dict(type='MaskigeVQVAE',
                   checkpoint='{{ fileDirname }}/../../../checkpoints/maskige_vqvae_toy.pth',
                   # bfloat16 where native: half the tokeniser's time, same maskiges
                   # (docs/vqvae.md, precision)
                   precision='auto')))
