# ProtoSeg in the open-set protocol (tools/analysis/open_set.py): bicyclist left out, 800
# iterations, as the baseline there.
_base_ = [
    '../_base_/models/protoseg_effnet-lite0.py',
    '../_base_/datasets/camvid_180x240_unknown-bicyclist.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_camvid_cpu.py'
]
crop_size = (180, 240)
model = dict(data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=10))
