# GSS-FT-W of the converged CamVid comparison (camvid_cpu.py --schedule 4k): X^-1 learned for
# 1000 iterations on the frozen network of gss-ff_effnet-lite0_4k_camvid-180x240.py (its final
# checkpoint, or --load-from).
_base_ = [
    '../../_base_/models/gss-ftw_effnet-lite0_camvid.py', '../../_base_/datasets/camvid_180x240.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_camvid_cpu_ftw_1k.py'
]
crop_size = (180, 240)
# GSS-FF's frozen pixel branch (its width: pixel_channels) mixed into the learned X^-1's class
# probabilities at inference, w = 0.6 chosen on the held-out drive 0006R0 (docs/results.md).
model = dict(data_preprocessor=dict(size=crop_size),
             decode_head=dict(pixel_channels=64, pixel_score_weight=0.6))
load_from = 'work_dirs/gss-ff_effnet-lite0_4k_camvid-180x240/iter_4000.pth'
train_dataloader = dict(batch_size=2)
