# GSS-FF of the converged CamVid comparison with 64-channel fusions: each backbone level's 1x1
# lateral conv gives 64 channels instead of 128 (both branches), and the pixel branch predicts
# from 64 channels. The token branch's Swin blocks keep 128 (token_channels). Everything
# else is gss-ff_effnet-lite0_4k_camvid-180x240.py.
_base_ = './gss-ff_effnet-lite0_4k_camvid-180x240.py'
model = dict(decode_head=dict(channels=64))
