# GSS-FT-W, Swin-L, ADE20K: X^-1 (two Swin blocks) learned for 40k iterations of 2 images x 8
# GPUs, lr 1.5e-3, on the frozen GSS-FF network (model, data and palette: the GSS-FF config's).
_base_ = ['./gss-ff_swin-l_160k_ade20k-512x512.py', '../../_base_/schedules/schedule_40k_ftw.py']
model = dict(
    freeze_image_network=True,
    decode_head=dict(type='GSSFTWHead', post_seg_channel=128, post_swin_depth=2))
train_dataloader = dict(batch_size=2)
load_from = {{_base_.gss_ff_checkpoint}}
param_scheduler = {{_base_.ftw_param_scheduler}}
train_cfg = {{_base_.ftw_train_cfg}}
default_hooks = {{_base_.ftw_default_hooks}}
optimizer = {{_base_.ftw_optimizer}}
optim_wrapper = {{_base_.ftw_optim_wrapper}}
