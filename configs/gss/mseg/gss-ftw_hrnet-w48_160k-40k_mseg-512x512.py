# GSS-FT-W, hrnet-w48, MSeg (194 classes): X^-1 learned for 40k iterations on the frozen GSS-FF
# network. Model and schedule only (see the GSS-FF config).
_base_ = [
    '../../_base_/models/gss-ff_hrnet-w48.py', '../../_base_/default_runtime.py',
    '../../_base_/schedules/schedule_40k_ftw.py'
]
crop_size = (512, 512)
model = dict(
    freeze_image_network=True,
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(type='GSSFTWHead', num_classes=194,
                     palette='configs/_base_/palettes/mseg_194.json',
                     post_seg_channel=128, post_swin_depth=1))
load_from = 'work_dirs/gss-ff_hrnet-w48_160k_mseg-512x512/iter_160000.pth'
