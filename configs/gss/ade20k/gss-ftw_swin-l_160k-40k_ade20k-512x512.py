# GSS-FT-W, Swin-L, ADE20K: X^-1 (two Swin blocks) learned for 40k iterations of 2 images x 8
# GPUs on the frozen network of gss-ff_swin-l_160k_ade20k-512x512.py.
# Starts from that run's last checkpoint (load_from, or --load-from CKPT).
_base_ = [
    '../../_base_/models/gss_swin-l.py', '../../_base_/datasets/ade20k_512x512.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_40k_ftw.py'
]
crop_size = (512, 512)
model = dict(
    freeze_image_network=True,
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(type='GSSFTWHead', inverse_channels=128, inverse_swin_depth=2,
                     num_classes=150,
                     palette='{{ fileDirname }}/../../_base_/palettes/ade20k_150.json'))
load_from = 'work_dirs/gss-ff_swin-l_160k_ade20k-512x512/iter_160000.pth'
train_dataloader = dict(batch_size=2)
