"""The shipped CamVid checkpoints give the outputs they were shipped with.

Each checkpoint in checkpoints/camvid/ is loaded strictly with the config of its name and run
on one CamVid val image: the predicted pixels per class and the mean and spread of the scores
must stay what they were when the checkpoint was released. Restructuring the code (module moves,
renamed options, new losses) must not change any of them.
"""
import glob
import os.path as osp

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
IMAGE = osp.join(ROOT, '..', 'shared', 'datasets', 'camvid', 'val', '0016E5_07959.png')
# name: (pixels per class at 180x240, mean of the scores, their standard deviation)
SHIPPED_OUTPUTS = {
    'gmmseg_effnet-lite0_4k_camvid-180x240':
        [[3986, 13083, 15, 12126, 3952, 6446, 50, 1118, 1679, 198, 547], -0.1826, 2.2415],
    'gmmseg_effnet-lite0_800_camvid-180x240':
        [[3839, 13223, 0, 12089, 3988, 6484, 0, 1299, 1807, 182, 289], -0.0704, 1.4841],
    'gss-ff_effnet-lite0_4k_camvid-180x240':
        [[3713, 12685, 36, 11992, 4025, 6533, 189, 1264, 1598, 412, 753], 0.0909, 0.2873],
    'gss-ff_effnet-lite0_4k_camvid-180x240_blend-aware':
        [[3754, 12638, 3, 11971, 4234, 6671, 218, 1005, 1581, 390, 735], 0.0909, 0.2873],
    'gss-ff_effnet-lite0_4k_camvid-180x240_pixel-128':
        [[3793, 12766, 28, 11975, 3936, 6281, 147, 1545, 1679, 313, 737], 0.0909, 0.2873],
    'gss-ff_effnet-lite0_800_camvid-180x240':
        [[3604, 12324, 60, 11804, 4225, 6662, 86, 1692, 1664, 206, 873], 0.0909, 0.2872],
    'gss-ftw_effnet-lite0_4k-1k_camvid-180x240':
        [[3808, 12889, 9, 12167, 4009, 6555, 132, 1135, 1568, 306, 622], -7.6432, 3.0447],
    'gss-ftw_effnet-lite0_4k-1k_camvid-180x240_blend-aware':
        [[3796, 12951, 0, 12049, 4129, 6627, 139, 916, 1626, 328, 639], -5.9969, 3.8886],
    'gss-ftw_effnet-lite0_800-200_camvid-180x240':
        [[3712, 12672, 115, 12028, 4091, 6710, 65, 1306, 1909, 27, 565], -9.3241, 4.6896],
    'protoseg_effnet-lite0_4k_camvid-180x240':
        [[3982, 13157, 3, 12018, 3951, 6478, 27, 1090, 1616, 262, 616], -0.2101, 2.1933],
    'protoseg_effnet-lite0_800_camvid-180x240':
        [[3849, 13556, 0, 12050, 3994, 6632, 0, 655, 1536, 317, 611], -0.1114, 1.4774],
    'upernet_effnet-lite0_4k_camvid-180x240':
        [[3830, 13140, 27, 12115, 3918, 6548, 17, 1260, 1535, 169, 641], -4.4901, 4.5165],
    'upernet_effnet-lite0_800_camvid-180x240':
        [[3731, 12943, 0, 12025, 4094, 6243, 0, 1813, 1649, 568, 134], -2.3241, 2.9668],
}


def test_every_shipped_camvid_checkpoint_is_pinned():
    shipped = {osp.splitext(osp.basename(p))[0]
               for p in glob.glob(osp.join(ROOT, 'checkpoints', 'camvid', '*.pth'))}
    assert shipped == set(SHIPPED_OUTPUTS)


@pytest.mark.skipif(not osp.isfile(IMAGE), reason='needs ../shared/datasets/camvid beside the repo')
@pytest.mark.parametrize('name', sorted(SHIPPED_OUTPUTS))
def test_shipped_checkpoint_gives_its_released_outputs(name):
    from gss.apis import inference_model, init_model
    config, = glob.glob(osp.join(ROOT, 'configs', '**', f'{name}.py'), recursive=True)
    model = init_model(config, osp.join(ROOT, 'checkpoints', 'camvid', f'{name}.pth'), 'cpu')
    result = inference_model(model, IMAGE)
    counts, mean, std = SHIPPED_OUTPUTS[name]
    pred = result.pred_sem_seg.data[0]
    assert tuple(pred.shape) == (180, 240)
    # A few pixels may flip where two classes tie (thread count, oneDNN kernels).
    got = torch.bincount(pred.flatten(), minlength=11)
    assert (got - torch.tensor(counts)).abs().max() <= 20, got.tolist()
    scores = result.seg_logits.data.float()
    assert float(scores.mean()) == pytest.approx(mean, abs=2e-4)
    assert float(scores.std()) == pytest.approx(std, abs=2e-4)
