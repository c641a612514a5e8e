# GSS-FT-W over gss-ff_effnet-lite0_4k_camvid-180x240_blend-aware.py: the same X^-1 training as
# gss-ftw_effnet-lite0_4k-1k_camvid-180x240.py, on the blend-aware maskige pair.
_base_ = ['./gss-ff_effnet-lite0_4k_camvid-180x240_blend-aware.py',
          '../../_base_/models/gss-ftw_effnet-lite0_camvid.py',
          '../../_base_/schedules/schedule_camvid_cpu_4k_ftw_1k.py']
model = {{_base_.ftw_model}}
load_from = {{_base_.gss_ff_checkpoint}}
train_dataloader = {{_base_.ftw_train_dataloader}}
param_scheduler = {{_base_.ftw_param_scheduler}}
train_cfg = {{_base_.ftw_train_cfg}}
default_hooks = {{_base_.ftw_default_hooks}}
