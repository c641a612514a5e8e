# GSS-FF of the converged CamVid comparison with a 64-channel pixel branch: the auxiliary pixel
# branch (its own lateral convs and fused map) is 64 channels wide instead of 128; the token
# branch is unchanged. Everything else is gss-ff_effnet-lite0_4k_camvid-180x240.py.
_base_ = './gss-ff_effnet-lite0_4k_camvid-180x240.py'
model = dict(decode_head=dict(pixel_channels=64))
gss_ff_checkpoint = 'work_dirs/{{ fileBasenameNoExtension }}/iter_4000.pth'
