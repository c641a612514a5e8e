# GSS-FF of the converged CamVid comparison with the pixel branch as wide as the token fusion (128
# channels); the default 64-channel branch reaches the same mIoU at a cheaper step
# (docs/models.md). Everything else is gss-ff_effnet-lite0_4k_camvid-180x240.py.
_base_ = './gss-ff_effnet-lite0_4k_camvid-180x240.py'
model = dict(decode_head=dict(pixel_channels=None))
