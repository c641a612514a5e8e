# ProtoSeg of the converged CamVid comparison (camvid_cpu.py --schedule 4k): same
# backbone, schedule, crop and augmentation as the baseline and GSS there.
_base_ = [
    '../_base_/models/protoseg_effnet-lite0.py', '../_base_/datasets/camvid_180x240.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_camvid_cpu_4k.py'
]
crop_size = (180, 240)
model = dict(data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=11))
