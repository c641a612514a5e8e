# GSS-FF of the converged CamVid comparison with Swin windows of 5 tokens instead of 7: the 45x60
# token grid of a 180x240 crop splits into 5x5 windows without padding (windows of 7 pad it to
# 49x63), so the token mixer attends over fewer, unpadded tokens. Everything else is
# gss-ff_effnet-lite0_4k_camvid-180x240_pixel-128.py (the pixel branch of the measured run).
_base_ = './gss-ff_effnet-lite0_4k_camvid-180x240_pixel-128.py'
model = dict(decode_head=dict(swin_window_size=5))
