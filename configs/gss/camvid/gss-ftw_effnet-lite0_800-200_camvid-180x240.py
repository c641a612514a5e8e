# GSS-FT-W of the CPU CamVid comparison: X^-1 learned for 200 iterations on the frozen network
# of gss-ff_effnet-lite0_800_camvid-180x240.py (its final checkpoint, or --load-from).
_base_ = [
    '../../_base_/models/gss-ftw_effnet-lite0_camvid.py', '../../_base_/datasets/camvid_180x240.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_camvid_cpu_ftw_200.py'
]
crop_size = (180, 240)
model = dict(data_preprocessor=dict(size=crop_size))
load_from = 'work_dirs/gss-ff_effnet-lite0_800_camvid-180x240/iter_800.pth'
train_dataloader = dict(batch_size=2)
