# GSS-FT-W, hrnet-w48, MSeg (194 classes): X^-1 learned for 40k iterations on the frozen GSS-FF
# network (model, data and palette from the GSS-FF config it inherits).
_base_ = ['./gss-ff_hrnet-w48_160k_mseg-512x512.py', '../../_base_/schedules/schedule_40k_ftw.py']
model = dict(
    freeze_image_network=True,
    decode_head=dict(type='GSSFTWHead', post_seg_channel=128, post_swin_depth=1))
load_from = {{_base_.gss_ff_checkpoint}}
param_scheduler = {{_base_.ftw_param_scheduler}}
train_cfg = {{_base_.ftw_train_cfg}}
default_hooks = {{_base_.ftw_default_hooks}}
optimizer = {{_base_.ftw_optimizer}}
optim_wrapper = {{_base_.ftw_optim_wrapper}}
