# GSS-FF of the converged CamVid comparison with one fusion for both branches: the pixel branch
# reads the token branch's fused features (single_fusion, as the original's HRNet variant)
# instead of fusing the backbone levels a second time. Everything else is
# gss-ff_effnet-lite0_4k_camvid-180x240_pixel-128.py (no pixel fusion of its own to narrow).
_base_ = './gss-ff_effnet-lite0_4k_camvid-180x240_pixel-128.py'
model = dict(decode_head=dict(single_fusion=True))
