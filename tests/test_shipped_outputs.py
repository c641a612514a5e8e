"""The shipped CamVid checkpoints give the outputs they were shipped with.

Each checkpoint in checkpoints/camvid/ is loaded strictly with the config of its name and run
on one CamVid val image: the predicted pixels per class and the mean and spread of the scores
must stay what they were when the checkpoint was released. Restructuring the code (module moves,
renamed options, new losses) must not change any of them. When a checkpoint is replaced on
purpose (a retrained model), record its outputs with ``python tests/test_shipped_outputs.py``.
"""
import glob
import json
import os.path as osp

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
IMAGE = osp.join(ROOT, '..', 'shared', 'datasets', 'camvid', 'val', '0016E5_07959.png')
# name: pixels per class at 180x240, mean and standard deviation of the scores
with open(osp.join(ROOT, 'tests', 'shipped_outputs.json')) as _file:
    SHIPPED_OUTPUTS = json.load(_file)


def test_every_shipped_camvid_checkpoint_is_pinned():
    shipped = {osp.splitext(osp.basename(p))[0]
               for p in glob.glob(osp.join(ROOT, 'checkpoints', 'camvid', '*.pth'))}
    assert shipped == set(SHIPPED_OUTPUTS)


def released_outputs(name: str) -> dict:
    """What the shipped checkpoint ``name`` predicts on the fixed image."""
    from gss.apis import inference_model, init_model
    config, = glob.glob(osp.join(ROOT, 'configs', '**', f'{name}.py'), recursive=True)
    model = init_model(config, osp.join(ROOT, 'checkpoints', 'camvid', f'{name}.pth'), 'cpu')
    result = inference_model(model, IMAGE)
    scores = result.seg_logits.data.float()
    return dict(pixels_per_class=torch.bincount(result.pred_sem_seg.data.flatten(),
                                                minlength=11).tolist(),
                score_mean=round(float(scores.mean()), 4),
                score_std=round(float(scores.std()), 4))


@pytest.mark.skipif(not osp.isfile(IMAGE), reason='needs ../shared/datasets/camvid beside the repo')
@pytest.mark.parametrize('name', sorted(SHIPPED_OUTPUTS))
def test_shipped_checkpoint_gives_its_released_outputs(name):
    expected, got = SHIPPED_OUTPUTS[name], released_outputs(name)
    # A few pixels may flip where two classes tie (thread count, oneDNN kernels).
    diff = torch.tensor(got['pixels_per_class']) - torch.tensor(expected['pixels_per_class'])
    assert diff.abs().max() <= 20, got
    assert got['score_mean'] == pytest.approx(expected['score_mean'], abs=2e-4)
    assert got['score_std'] == pytest.approx(expected['score_std'], abs=2e-4)


if __name__ == '__main__':
    names = sorted(osp.splitext(osp.basename(p))[0]
                   for p in glob.glob(osp.join(ROOT, 'checkpoints', 'camvid', '*.pth')))
    lines = [f'  {json.dumps(n)}: {json.dumps(released_outputs(n))}' for n in names]
    with open(osp.join(ROOT, 'tests', 'shipped_outputs.json'), 'w') as out:
        out.write('{\n' + ',\n'.join(lines) + '\n}\n')
