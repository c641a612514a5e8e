# GSS-FF of the CPU CamVid comparison (tools/benchmarks/camvid_cpu.py): the project's CamVid
# maskige VQ-VAE and posterior-learning palette (stage-1 ceiling at this resolution:
# reconstruction_maskige-vqvae_camvid-180x240.py).
_base_ = [
    '../../_base_/models/gss-ff_effnet-lite0_camvid.py', '../../_base_/datasets/camvid_180x240.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_camvid_cpu.py'
]
crop_size = (180, 240)
model = dict(data_preprocessor=dict(size=crop_size))
