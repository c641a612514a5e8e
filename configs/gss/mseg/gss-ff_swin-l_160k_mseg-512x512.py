# GSS-FF, swin-l, MSeg universal taxonomy (194 classes, posterior-learning palette), 160k
# iterations of 4 images x 8 GPUs on the seven training sets; tested on the six test sets
# (sliding 768 windows, stride 512, at 2048x512), mIoU = their harmonic mean.
_base_ = [
    '../../_base_/models/gss_swin-l.py', '../../_base_/datasets/mseg_512x512.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_160k.py'
]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(type='GSSFFHead', num_classes=194,
                     palette='{{ fileDirname }}/../../_base_/palettes/mseg_194.json'),
    test_cfg=dict(mode='slide', crop_size=(768, 768), stride=(512, 512)))
