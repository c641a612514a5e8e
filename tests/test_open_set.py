"""Open-set evaluation: metrics of known scores, the pixel collection, every head's own score,
and tools/analysis/open_set.py on the toy scenes with a class left out."""
import json
import math
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

from gss.errors import InputError
from gss.evaluation.open_set import OpenSetPixels, logit_scores, open_set_metrics
from gss.maskige.palette import Maskige
from gss.models.layers.token_classifier import FactorisedTokenClassifier, TokenClassifier
from tests.conftest import REPO_ROOT

pytest.importorskip('sklearn')


def test_metrics_of_known_scores():
    # Ranked: 0.8 (unknown), 0.6, 0.5 (unknown), 0.35, 0.1. AUROC: 5 of the 6 (unknown,
    # known) pairs are ordered right; AP: precision 1 at the first unknown, 2/3 at the second;
    # TPR reaches 0.95 only with both unknowns, at threshold 0.5, where 1 of 3 known is above.
    metrics = open_set_metrics(np.array([0.1, 0.6, 0.35, 0.8, 0.5]),
                               np.array([False, False, False, True, True]))
    assert metrics['AUROC'] == pytest.approx(500 / 6)
    assert metrics['AP'] == pytest.approx(100 * (1 + 2 / 3) / 2)
    assert metrics['FPR95'] == pytest.approx(100 / 3)


def test_metrics_keep_ties_together_and_invert_with_the_score():
    tie = open_set_metrics(np.array([0.5, 0.5]), np.array([True, False]))
    assert tie['AUROC'] == pytest.approx(50) and tie['FPR95'] == pytest.approx(100)
    scores, unknown = np.array([0.1, 0.6, 0.35, 0.8, 0.5]), np.array([0, 0, 0, 1, 1], bool)
    assert open_set_metrics(-scores, unknown)['AUROC'] == pytest.approx(100 / 6)


def test_metrics_refuse_pixels_of_one_kind():
    with pytest.raises(InputError, match='0 unknown of 3'):
        open_set_metrics(np.array([0.1, 0.2, 0.3]), np.zeros(3, bool))


def test_logit_scores():
    logits = torch.tensor([[[2.0]], [[0.0]], [[-1.0]]])
    scores = logit_scores(logits, probabilities=False)
    top = math.exp(2) / (math.exp(2) + 1 + math.exp(-1))
    assert float(scores['msp']) == pytest.approx(1 - top)
    assert float(scores['max_logit']) == pytest.approx(-2.0)
    shares = logit_scores(torch.tensor([[[0.75]], [[0.25]], [[0.0]]]), probabilities=True)
    assert set(shares) == {'msp'} and float(shares['msp']) == pytest.approx(0.25)


def test_pixels_pool_known_and_unknown_and_leave_out_void():
    # Full classes 0, 1, 2 with 1 unknown: the model knows 0 -> 0 and 2 -> 1.
    pixels = OpenSetPixels(known_ids=[0, 255, 1], unknown_labels=[1])
    label = torch.tensor([[0, 0, 1, 2], [2, 255, 1, 0]])
    pred = torch.tensor([[0, 1, 0, 1], [1, 0, 1, 0]])
    score = torch.tensor([[0.1, 0.2, 0.9, 0.3], [0.4, 5.0, 0.8, 0.2]])
    pixels.add(label, pred, dict(s=score))
    assert np.array_equal(np.concatenate(pixels.unknown), [0, 0, 1, 0, 0, 1, 0])
    assert np.allclose(np.concatenate(pixels.scores['s']), [0.1, 0.2, 0.9, 0.3, 0.4, 0.8, 0.2])
    result = pixels.results()
    # Known pixels: class 0 at (0,0) (0,1) (1,3), predicted 0, 1, 0; class 1 (full 2) at
    # (0,3) (1,0), predicted 1, 1. IoU: class 0: 2 / 3, class 1: 2 / 3 (the unknown pixels'
    # predictions do not count).
    assert result['known_mIoU'] == pytest.approx(200 / 3)
    assert result['unknown_share'] == pytest.approx(200 / 7)
    assert result['unknown_predicted_as'] == pytest.approx([50, 50])  # (0,2) -> 0, (1,2) -> 1
    assert result['scores']['s']['AUROC'] == pytest.approx(100)


def test_factorised_code_nll_is_the_joint_probability_of_the_predicted_code():
    torch.manual_seed(0)
    head = FactorisedTokenClassifier(4, levels=(2, 3))
    logits = torch.randn(2, 5, 3, 4)
    a, b = logits[:, :2].log_softmax(1), logits[:, 2:].log_softmax(1)
    joint = (a[:, :, None] + b[:, None]).flatten(1, 2)  # all 6 codes
    assert torch.allclose(head.predicted_code_nll(logits)[:, 0], -joint.max(1).values,
                          atol=1e-6)
    flat = TokenClassifier(4, 6, 1)
    assert torch.allclose(flat.predicted_code_nll(joint)[:, 0], -joint.max(1).values)


def test_colour_distance_to_the_nearest_class_colour():
    maskige = Maskige([[0, 0, 0], [255, 255, 255], [255, 0, 0]])  # the last: ignore
    image = torch.tensor([0.5, 0.1, 1.0]).view(1, 3, 1, 1).expand(1, 3, 1, 3).clone()
    image[0, :, 0, 1] = torch.tensor([1.0, 0.0, 0.0])  # the ignore colour is not a class
    image[0, :, 0, 2] = 1.0
    distance = maskige.colour_distance(image)[0, 0, 0]
    # (0.5, 0.1, 1.0): sqrt(1.26) from black, sqrt(1.06) from white.
    assert distance[0] == pytest.approx(math.sqrt(1.06), abs=1e-6)
    assert distance[1] == pytest.approx(1.0, abs=1e-6)
    assert distance[2] == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize('config', ['configs/gmmseg/gmmseg_effnet-lite0_1k_toy-128x128.py',
                                    'configs/protoseg/protoseg_effnet-lite0_1k_toy-128x128.py'])
def test_sub_centre_score_is_minus_the_best_raw_class_score(config):
    from gss.apis import init_model

    torch.manual_seed(0)
    model = init_model(osp.join(REPO_ROOT, config), None, 'cpu').eval()
    with torch.no_grad():
        features = model.extract_feat(torch.randn(1, 3, 64, 64))
        head = model.decode_head
        _, scores, logits = head.embed_and_score(features)
        best = head.to_map(head.class_scores(scores), logits).max(1, keepdim=True).values
        own = head.open_set_scores(features)
    assert list(own) == [head.OPEN_SET_SCORE]
    assert torch.equal(own[head.OPEN_SET_SCORE], -best)
    if head.OPEN_SET_SCORE == 'log_likelihood':  # what test_cfg.open_set writes as well
        _, class_ll = head.class_log_likelihoods(features)
        assert torch.equal(own['log_likelihood'], -class_ll.max(1, keepdim=True).values)


def test_gss_scores_follow_the_token_grid_and_the_decoded_maskige():
    from gss.apis import init_model

    torch.manual_seed(0)
    model = init_model(osp.join(REPO_ROOT, 'configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py'),
                       None, 'cpu').eval()
    with torch.no_grad():
        features = model.extract_feat(torch.randn(1, 3, 64, 64))
        own = model.decode_head.open_set_scores(features)
        tokens, _ = model.decode_head.token_logits(model.decode_head._transform_inputs(features))
        maskige = model.decode_head.generate_maskige(dict(token_logits=tokens))
    assert own['token_nll'].shape == (1, 1, 16, 16) and (own['token_nll'] >= 0).all()
    assert own['colour_distance'].shape == (1, 1, 128, 128)
    nearest = model.decode_head.tokenizer.maskige.to_mask(maskige)
    colours = model.decode_head.tokenizer.maskige.class_colours[nearest].permute(0, 3, 1, 2)
    # sqrt of |x|^2 - 2 x.p + |p|^2: float32 rounding near 0 becomes ~1e-4 after the root
    assert torch.allclose(own['colour_distance'][:, 0], (maskige - colours).norm(dim=1),
                          atol=1e-3)


TOY = osp.join(REPO_ROOT, 'configs/baseline/upernet_effnet-lite0_1k_toy-128x128.py')
TOY_GSS = osp.join(REPO_ROOT, 'configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py')
TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'open_set.py')


def _left_out_config(folder, base, gss):
    """``base`` with 'ring' (index 5) left out: 'pole' moves from 6 to 5 in its classes."""
    palette = ", palette='{{ fileDirname }}/palette.json'" if gss else ''
    if gss:
        with open(osp.join(REPO_ROOT, 'configs/_base_/palettes/toy_7.json')) as f:
            colours = json.load(f)
        (folder / 'palette.json').write_text(json.dumps(colours[:5] + colours[6:]))
    path = folder / osp.basename(base)
    path.write_text(
        f"_base_ = ['{base}']\n"
        f"model = dict(decode_head=dict(num_classes=6{palette}))\n"
        "test_dataloader = dict(dataset=dict(metainfo=dict(classes=(\n"
        "    'background', 'disc', 'box', 'striped', 'dotted', 'pole'))))\n")
    return str(path)


def _run(*args):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', PYTHONPATH=REPO_ROOT)
    return subprocess.run([sys.executable, TOOL, *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, env=env)


@pytest.mark.slow
def test_tool_on_toy_scenes_with_a_class_left_out(tmp_path, toy_data_root):
    from gss.apis import init_model

    models = []
    for base in (TOY, TOY_GSS):
        config = _left_out_config(tmp_path, base, gss=base == TOY_GSS)
        torch.manual_seed(0)
        model = init_model(config, None, 'cpu')
        models += [config, str(tmp_path / f'{len(models)}.pth')]
        torch.save(model.state_dict(), models[-1])
    out = tmp_path / 'open_set.json'
    figure = tmp_path / 'maps.png'
    result = _run(models[0], models[1], '--model', models[2], models[3], '--limit', '4',
                  '--data-root', toy_data_root, '--out', str(out), '--figure', str(figure),
                  '--figure-image', '3')
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    results = json.loads(out.read_text())
    assert [r['unknown_classes'] for r in results.values()] == [['ring'], ['ring']]
    baseline, gss = results.values()
    assert set(baseline['scores']) == {'msp', 'max_logit'}
    assert set(gss['scores']) == {'msp', 'token_nll', 'colour_distance'}
    assert baseline['pixels'] == gss['pixels'] > 0 and 0 < baseline['unknown_share'] < 100
    for metrics in baseline['scores'].values():
        assert 0 <= metrics['AUROC'] <= 100 and 0 <= metrics['FPR95'] <= 100
    assert '| upernet_effnet-lite0_1k_toy-128x128 |' in result.stdout
    assert figure.stat().st_size > 0 and f'figure: {figure}' in result.stdout


@pytest.mark.slow
def test_tool_refuses_a_config_that_keeps_every_class(tmp_path, toy_data_root):
    checkpoint = tmp_path / 'none.pth'
    checkpoint.write_bytes(b'')
    result = _run(TOY, str(checkpoint), '--data-root', toy_data_root)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'keeps every class of ToyScenesDataset' in lines[0]


def test_open_set_palette_is_the_camvid_palette_without_the_left_out_class():
    folder = osp.join(REPO_ROOT, 'configs/_base_/palettes')
    with open(osp.join(folder, 'camvid_11.json')) as f:
        full = json.load(f)
    with open(osp.join(folder, 'camvid_11_unknown-bicyclist.json')) as f:
        left_out = json.load(f)
    bicyclist = 10  # CamVidDataset's last class; the ignore colour stays last
    assert left_out == full[:bicyclist] + full[bicyclist + 1:]


@pytest.mark.slow
def test_tool_names_a_class_the_dataset_does_not_have(tmp_path, toy_data_root):
    config = tmp_path / 'strange.py'
    config.write_text(f"_base_ = ['{TOY}']\n"
                      "test_dataloader = dict(dataset=dict(metainfo=dict(classes=(\n"
                      "    'background', 'disc', 'boat'))))\n")
    checkpoint = tmp_path / 'none.pth'
    checkpoint.write_bytes(b'')
    result = _run(str(config), str(checkpoint), '--data-root', toy_data_root)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1
    assert "'boat', not classes of ToyScenesDataset (background, disc, box" in lines[0]


def test_a_plot_without_matplotlib_is_refused_by_name(monkeypatch):
    from gss.engine.model_specs import require_matplotlib

    require_matplotlib('--figure')  # installed here: nothing to refuse
    monkeypatch.setitem(sys.modules, 'matplotlib', None)  # import now raises ImportError
    with pytest.raises(InputError, match='--figure needs matplotlib, .* or drop --figure'):
        require_matplotlib('--figure')
