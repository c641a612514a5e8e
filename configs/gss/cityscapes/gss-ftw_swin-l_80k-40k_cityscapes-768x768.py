# GSS-FT-W, swin-l, Cityscapes: X^-1 learned for 40k iterations on the frozen network of
# gss-ff_swin-l_80k_cityscapes-768x768.py.
# Starts from that run's last checkpoint (load_from, or --load-from CKPT).
_base_ = [
    '../../_base_/models/gss_swin-l.py', '../../_base_/datasets/cityscapes_768x768.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_40k_ftw.py'
]
crop_size = (768, 768)
model = dict(
    freeze_image_network=True,
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(type='GSSFTWHead', inverse_channels=128, inverse_swin_depth=1,
                     num_classes=19,
                     palette='{{ fileDirname }}/../../_base_/palettes/cityscapes_19.json'),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(512, 512)))
load_from = 'work_dirs/gss-ff_swin-l_80k_cityscapes-768x768/iter_80000.pth'
