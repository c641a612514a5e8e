# GSS-FT-W, Swin-L, ADE20K: X^-1 (two Swin blocks) learned for 40k iterations of 2 images x 8
# GPUs, lr 1.5e-3, on the frozen GSS-FF network.
_base_ = [
    '../../_base_/models/gss-ff_swin-l.py', '../../_base_/datasets/ade20k_512x512.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_40k_ftw.py'
]
crop_size = (512, 512)
model = dict(
    freeze_image_network=True,
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(type='GSSFTWHead', num_classes=150,
                     palette='configs/_base_/palettes/ade20k_150.json',
                     post_seg_channel=128, post_swin_depth=2))
train_dataloader = dict(batch_size=2)
load_from = 'work_dirs/gss-ff_swin-l_160k_ade20k-512x512/iter_160000.pth'
