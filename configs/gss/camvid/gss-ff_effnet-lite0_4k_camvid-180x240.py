# GSS-FF of the converged CamVid comparison (camvid_cpu.py --schedule 4k): the project's CamVid
# maskige VQ-VAE and posterior-learning palette (stage-1 ceiling at this resolution:
# reconstruction_maskige-vqvae_camvid-180x240.py).
_base_ = [
    '../../_base_/models/gss-ff_effnet-lite0_camvid.py', '../../_base_/datasets/camvid_180x240.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_camvid_cpu_4k.py'
]
crop_size = (180, 240)
# A 64-channel pixel branch: it serves training only (its loss and the fill of ignore pixels),
# and at 128 channels, like the token fusion, it made the training step markedly dearer than
# the baseline's for the same mIoU within the spread of runs (docs/models.md, token
# predictors). The token branch, which inference reads, is unchanged.
model = dict(data_preprocessor=dict(size=crop_size), decode_head=dict(pixel_channels=64))
