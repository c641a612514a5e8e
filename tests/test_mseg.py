"""MSeg: the universal taxonomy and the datasets' relations to it (from the shipped
MSeg_master.tsv), the datasets read through mseg-api's lists, the label transform, the
zero-shot metric (universal -> test-set mapping, harmonic mean), and the four MSeg configs'
dataloaders, on small synthetic folders in MSeg's layout."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image

import gss  # noqa: F401
from gss.datasets.data_roots import check_data_roots, set_data_root
from gss.datasets.mseg import (MSEG_DATASETS, TEST_DATASETS, TRAIN_DATASETS, MSegDataset,
                               ToMSegTaxonomy, universal_classes, universal_label_table,
                               universal_to_test_matrix)
from gss.datasets.mseg.dataset import resolve_lists_root
from gss.datasets.mseg.taxonomy import _column
from gss.engine.config_setup import apply_cfg_options
from gss.errors import InputError
from gss.evaluation import MSegMetric, harmonic_mean
from gss.evaluation.mseg_metric import are_probabilities, map_to_test_set
from tests.conftest import REPO_ROOT

MSEG_CONFIGS = ['configs/gss/mseg/gss-ff_hrnet-w48_160k_mseg-512x512.py',
                'configs/gss/mseg/gss-ff_swin-l_160k_mseg-512x512.py',
                'configs/gss/mseg/gss-ftw_hrnet-w48_160k-40k_mseg-512x512.py',
                'configs/gss/mseg/gss-ftw_swin-l_160k-40k_mseg-512x512.py']
U = {name: i for i, name in enumerate(universal_classes())}


def _class_list(name: str) -> list:
    """A class list in mseg-api's style: a relabeled set's classes are universal names in
    alphabetical order (here a few of them); a test set lists every class its tsv column names
    (Pascal-Context also has two classes no universal class maps to)."""
    names = sorted({c for c in _column(name) if c})
    if name in TRAIN_DATASETS:
        return names[:4]
    return names + (['flower', 'wood'] if name == 'pascal-context-60' else [])


def _write_dataset(mseg_root: str, lists_root: str, name: str, split: str, count: int,
                   seed: int) -> None:
    """``count`` 24x32 images with labels of every class of the list (and ignore) under the
    dataset's MSeg folder, and the split list naming them."""
    rng = np.random.default_rng(seed)
    folder = osp.join(mseg_root, MSEG_DATASETS[name].folder)
    classes = _class_list(name)
    lines = []
    for i in range(count):
        image_rel, label_rel = f'images/{split}_{i}.jpg', f'labels/{split}_{i}.png'
        for rel in (image_rel, label_rel):
            _mkdir(osp.dirname(osp.join(folder, rel)))
        Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(
            osp.join(folder, image_rel))
        label = rng.integers(0, len(classes), (24, 32)).astype(np.uint8)
        label[:3] = 255
        Image.fromarray(label).save(osp.join(folder, label_rel))
        lines.append(f'{image_rel} {label_rel}')
    _mkdir(osp.join(lists_root, name, 'list'))
    with open(osp.join(lists_root, name, 'list', f'{split}.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(osp.join(lists_root, name, f'{name}_names.txt'), 'w') as f:
        f.write('\n'.join(classes) + '\n')


def _mkdir(path):
    import os
    os.makedirs(path, exist_ok=True)


@pytest.fixture(scope='module')
def mseg_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp('mseg')
    mseg_root, lists_root = str(root / 'mseg_dataset'), str(root / 'mseg_lists')
    for seed, name in enumerate(MSEG_DATASETS):
        if name in TRAIN_DATASETS:
            _write_dataset(mseg_root, lists_root, name, 'train', 2, seed)
        _write_dataset(mseg_root, lists_root, name, 'val', 2, 100 + seed)
    return mseg_root, lists_root


def test_the_shipped_taxonomy_is_msegs():
    names = universal_classes()
    assert len(names) == 194
    assert (names[0], names[35], names[125], names[193]) == ('backpack', 'building', 'person',
                                                             'window_blind')
    assert len(TRAIN_DATASETS) == 7 and len(TEST_DATASETS) == 6


def test_training_labels_map_to_universal_classes_by_name(mseg_folders):
    _, lists_root = mseg_folders
    # ade20k-150-relabeled's first four classes alphabetically.
    assert _class_list('ade20k-150-relabeled') == ['airplane', 'animal_other', 'apparel',
                                                   'arcade_machine']
    table = universal_label_table(lists_root, 'ade20k-150-relabeled')
    assert table[:4].tolist() == [179, 16, 165, 93]
    assert (table[4:] == 255).all()
    with pytest.raises(InputError, match='camvid-11 is an MSeg test set'):
        universal_label_table(lists_root, 'camvid-11')


def test_test_sets_collect_their_universal_sources(mseg_folders):
    _, lists_root = mseg_folders
    camvid = universal_to_test_matrix(lists_root, 'camvid-11')
    classes = _class_list('camvid-11')
    assert camvid.shape == (11, 194)
    assert camvid.sum().item() == 12  # 182 universal classes have no CamVid class
    bicyclist = camvid[classes.index('Bicyclist')]
    assert bicyclist.nonzero().flatten().tolist() == [U['bicyclist'], U['bicycle']]
    assert (camvid.sum(0) <= 1).all()  # no universal class feeds two test classes
    voc = universal_to_test_matrix(lists_root, 'voc2012')
    assert voc.sum().item() == 194 and voc[_class_list('voc2012').index('background')].sum() == 167
    context = universal_to_test_matrix(lists_root, 'pascal-context-60')
    flower = _class_list('pascal-context-60').index('flower')
    assert context.shape == (60, 194) and context[flower].sum() == 0  # no universal source


def test_datasets_read_msegs_lists_and_name_their_set(mseg_folders):
    mseg_root, lists_root = mseg_folders
    train = MSegDataset('bdd-relabeled', 'train', lists_root=lists_root, data_root=mseg_root)
    assert len(train) == 2 and train.metainfo['classes'] == universal_classes()
    sample = train.get_data_info(1)
    assert sample['img_path'] == osp.join(mseg_root, 'BDD/bdd100k', 'images/train_1.jpg')
    assert sample['mseg_dataset'] == 'bdd-relabeled'
    test = MSegDataset('kitti-19', 'val', lists_root=lists_root, data_root=mseg_root)
    assert test.metainfo['classes'] == tuple(_class_list('kitti-19'))
    with pytest.raises(InputError, match=r'mseg_lists/camvid-11/list/train\.txt: missing split '
                       r'list of camvid-11; link mseg-api'):
        MSegDataset('camvid-11', 'train', lists_root=lists_root, data_root=mseg_root)
    with pytest.raises(InputError, match="unknown MSeg dataset 'camvid'"):
        MSegDataset('camvid', 'val', lists_root=lists_root, data_root=mseg_root)


def test_label_transform_maps_training_labels_and_refuses_unknown_values(mseg_folders):
    _, lists_root = mseg_folders
    step = ToMSegTaxonomy(lists_root=lists_root)
    labels = np.array([[0, 1, 2, 3, 255]], dtype=np.uint8)
    out = step(dict(gt_seg_map=labels.copy(), mseg_dataset='ade20k-150-relabeled'))
    assert out['gt_seg_map'].tolist() == [[179, 16, 165, 93, 255]]
    kept = step(dict(gt_seg_map=labels.copy(), mseg_dataset='camvid-11'))
    assert kept['gt_seg_map'].tolist() == labels.tolist()  # test sets keep their classes
    with pytest.raises(InputError, match=r'^x\.png: label value\(s\) 4 are neither a class of '
                       r'ade20k-150-relabeled \(0-3\) nor ignore \(255\)'):
        step(dict(gt_seg_map=labels + 1, mseg_dataset='ade20k-150-relabeled',
                  seg_map_path='x.png'))


def test_lists_resolve_against_the_data_root_not_the_working_dir(mseg_folders, tmp_path,
                                                                 monkeypatch):
    """A relative lists_root (default: beside the root) is joined to data_root, so a tool run
    from any folder with --data-root finds the lists; the samples carry the resolved folder to
    the label transform and the metric."""
    mseg_root, lists_root = mseg_folders
    assert resolve_lists_root('data/mseg_dataset') == osp.join('data', 'mseg_lists')
    assert resolve_lists_root('/d/mseg_dataset', 'lists') == osp.join('/d/mseg_dataset', 'lists')
    assert resolve_lists_root('/d/mseg_dataset', '/elsewhere') == '/elsewhere'
    monkeypatch.chdir(tmp_path)  # no data/ here
    test = MSegDataset('kitti-19', 'val', data_root=mseg_root)
    assert test.get_data_info(0)['mseg_lists_root'] == lists_root
    monkeypatch.chdir(osp.dirname(mseg_root))
    train = MSegDataset('ade20k-150-relabeled', 'train', data_root='mseg_dataset')
    info = train.get_data_info(0)
    assert info['mseg_lists_root'] == 'mseg_lists'
    labels = np.array([[0, 3, 255]], dtype=np.uint8)
    out = ToMSegTaxonomy()(dict(info, gt_seg_map=labels))  # lists from the sample
    assert out['gt_seg_map'].tolist() == [[179, 93, 255]]
    with pytest.raises(InputError, match=r'no mseg_lists_root in its metainfo \(and no '
                                         r'ToMSegTaxonomy lists_root\)'):
        ToMSegTaxonomy()(dict(gt_seg_map=labels, mseg_dataset='ade20k-150-relabeled'))


def test_a_config_reads_and_scores_from_another_folder_given_the_data_root(
        mseg_folders, tmp_path, monkeypatch):
    mseg_root, _ = mseg_folders
    cfg = Config.fromfile(osp.join(REPO_ROOT, MSEG_CONFIGS[0]))
    _with_synthetic_folders(cfg, mseg_root)  # set_data_root, as --data-root
    monkeypatch.chdir(tmp_path)
    check_data_roots(cfg, ['test_dataloader'])
    batch = next(iter(Runner.build_dataloader(cfg.test_dataloader, seed=0)))
    sample = batch['data_samples'][0]
    metric = Runner.build_evaluator(None, cfg.test_evaluator).metrics[0]
    label = sample.gt_sem_seg.data
    metric.process({}, [dict(sample.metainfo, seg_logits=dict(data=torch.zeros(
        (194,) + label.shape[1:])), gt_sem_seg=dict(data=label))])
    assert metric.results[0][0] == 'voc2012'
    with pytest.raises(InputError, match=r'no mseg_lists_root in its metainfo \(and no MSegMetric '
                       r'lists_root\)'):
        metric.process({}, [dict(mseg_dataset='voc2012', seg_logits=dict(data=label))])


def _sample(name: str, universal_scores: torch.Tensor, label: np.ndarray) -> dict:
    return dict(mseg_dataset=name, seg_logits=dict(data=universal_scores),
                gt_sem_seg=dict(data=torch.from_numpy(label)[None].long()))


def test_metric_maps_universal_probabilities_and_takes_the_harmonic_mean(mseg_folders):
    _, lists_root = mseg_folders
    camvid = _class_list('camvid-11')
    road = camvid.index('Road')
    # Pixel 0: 'backpack' (no CamVid class) is the universal arg-max, but CamVid's classes
    # take the rest: Road's 0.3 beats Bicyclist's 0.1 + 0.15. Pixel 1: bicycle + bicyclist
    # (0.2 + 0.2) together beat road (0.35), though road is the larger single class.
    probs = torch.zeros(194, 1, 2)
    probs[[U['backpack'], U['road'], U['bicycle'], U['bicyclist']], 0, 0] = torch.tensor(
        [0.45, 0.3, 0.1, 0.15])
    probs[[U['backpack'], U['road'], U['bicycle'], U['bicyclist']], 0, 1] = torch.tensor(
        [0.25, 0.35, 0.2, 0.2])
    label = np.array([[road, road]])
    metric = MSegMetric(lists_root=lists_root, scores='probabilities')
    metric.process({}, [_sample('camvid-11', probs, label)])
    # Road: 1 right of 2 labelled; Bicyclist: 1 predicted, never labelled.
    kitti = _class_list('kitti-19')
    sky = kitti.index('sky')
    logits = torch.full((194, 1, 2), -5.0)
    logits[U['sky']] = 5.0
    metric.process({}, [_sample('kitti-19', logits, np.array([[sky, 255]]))])
    results = metric.compute_metrics(metric.results)
    assert results['camvid-11.mIoU'] == pytest.approx(25.0)  # (0.5 + 0) / 2
    assert results['kitti-19.mIoU'] == pytest.approx(100.0)
    assert results['mIoU'] == pytest.approx(40.0)  # 2 / (1/25 + 1/100)
    assert harmonic_mean([50.0, 0.0]) == 0.0
    zero = MSegMetric(lists_root=lists_root, scores='probabilities', absent_classes='zero')
    zero.process({}, [_sample('camvid-11', probs, label)])
    assert zero.compute_metrics(zero.results)['camvid-11.mIoU'] == pytest.approx(50 / 11, abs=0.01)


def test_metric_tells_probabilities_from_logits_and_refuses_out(mseg_folders):
    _, lists_root = mseg_folders
    shares = torch.zeros(194, 2, 3)
    shares[U['road']], shares[U['sky']] = 0.6, 0.4  # GSS-FF: class shares summing to 1
    assert are_probabilities(shares)
    assert not are_probabilities(torch.log(shares + 1e-3))
    assert not are_probabilities(torch.full((194, 2, 3), 1.0))
    # Shares read as logits would be softmaxed towards uniform over 194 classes, and CamVid's
    # Road (0.6 + 193 x ~0) could lose to a test class with many small sources; as shares Road
    # wins outright.
    metric = MSegMetric(lists_root=lists_root)
    road = _class_list('camvid-11').index('Road')
    metric.process({}, [_sample('camvid-11', shares, np.full((2, 3), road))])
    assert metric.compute_metrics(metric.results)['camvid-11.mIoU'] == 100.0
    with pytest.raises(InputError, match='^--out: MSeg configs score each test set'):
        MSegMetric(lists_root=lists_root, output_dir='out', keep_results=True)
    with pytest.raises(InputError, match='no mseg_dataset in its metainfo'):
        metric.process({}, [dict(img_path='a.jpg', seg_logits=dict(data=shares))])


def _fixed_camvid_example() -> tuple:
    """Three CamVid pixels (U, 1, 3) and their labels: the universal winner of pixel 0,
    'backpack', has no CamVid class, though Road's source is next; pixel 1's Bicyclist has two
    sources (bicyclist, bicycle) that together beat 'road'; pixel 2 is plainly road."""
    camvid = _class_list('camvid-11')
    probs = torch.zeros(194, 1, 3)
    probs[[U['backpack'], U['road'], U['sky']], 0, 0] = torch.tensor([0.5, 0.4, 0.1])
    probs[[U['road'], U['bicyclist'], U['bicycle']], 0, 1] = torch.tensor([0.4, 0.3, 0.3])
    probs[[U['road'], U['sky']], 0, 2] = torch.tensor([0.9, 0.1])
    road, bicyclist = camvid.index('Road'), camvid.index('Bicyclist')
    return probs, np.array([[road, bicyclist, road]])


@pytest.mark.parametrize('mapping,absent_classes,miou', [
    ('probability_sum', 'ignore', 100.0),  # Road 2/2, Bicyclist 1/1
    ('universal_argmax', 'ignore', 16.67),  # Road 1/3 (pixels 0-2: Bicyclist, Road, Road)
    ('probability_sum', 'zero', 18.18),  # 2 / 11 classes
    ('universal_argmax', 'zero', 3.03),  # (1/3) / 11
])
def test_the_two_mappings_on_a_fixed_example(mapping, absent_classes, miou, mseg_folders):
    """The figures docs/datasets.md quotes for MSeg's and the original GSS's mappings."""
    _, lists_root = mseg_folders
    probs, label = _fixed_camvid_example()
    metric = MSegMetric(lists_root=lists_root, mapping=mapping, absent_classes=absent_classes)
    metric.process({}, [_sample('camvid-11', probs, label)])
    assert metric.compute_metrics(metric.results)['camvid-11.mIoU'] == miou


def test_universal_argmax_is_the_originals_one_hot_through_the_mapping(mseg_folders):
    """The lookup equals one-hot universal arg-max -> (T, U) mapping -> arg-max, also where the
    winner has no test class (-> class 0); on one-hot scores the two mappings agree."""
    _, lists_root = mseg_folders
    matrix = universal_to_test_matrix(lists_root, 'camvid-11')
    logits = torch.randn(194, 5, 7, generator=torch.Generator().manual_seed(0))
    logits[U['backpack'], 0, :3] = 50.0  # no CamVid class
    one_hot = torch.nn.functional.one_hot(logits.argmax(0), 194).permute(2, 0, 1).float()
    reference = torch.einsum('tu,uhw->thw', matrix, one_hot).argmax(0)
    ours = map_to_test_set(logits, matrix, False, 'universal_argmax')
    assert torch.equal(ours, reference) and ours[0, :3].tolist() == [0, 0, 0]
    assert torch.equal(map_to_test_set(one_hot, matrix, True, 'probability_sum'), reference)
    assert not torch.equal(map_to_test_set(logits, matrix, False, 'probability_sum'), reference)


@pytest.mark.parametrize('key,value,choices', [
    ('mapping', 'argmax', "'probability_sum', 'universal_argmax'"),
    ('scores', 'softmax', "'auto', 'logits', 'probabilities'"),
    ('absent_classes', 'nan', "'ignore', 'zero'"),
])
def test_bad_metric_settings_name_key_value_and_choices(key, value, choices, mseg_folders):
    _, lists_root = mseg_folders
    message = f"^MSegMetric: {key} must be one of {choices}; got '{value}'$"
    with pytest.raises(InputError, match=message):
        MSegMetric(lists_root=lists_root, **{key: value})


def test_the_config_switches_to_the_originals_mapping(mseg_folders):
    cfg = Config.fromfile(osp.join(REPO_ROOT, MSEG_CONFIGS[0]))
    apply_cfg_options(cfg, {'test_evaluator.mapping': 'universal_argmax'})
    assert Runner.build_evaluator(None, cfg.test_evaluator).metrics[0].mapping == \
        'universal_argmax'
    apply_cfg_options(cfg, {'test_evaluator.mapping': 'argmax'})
    with pytest.raises(InputError, match="mapping must be one of 'probability_sum', "
                       "'universal_argmax'; got 'argmax'"):
        Runner.build_evaluator(None, cfg.test_evaluator)


def _with_synthetic_folders(cfg: Config, mseg_root: str) -> None:
    """Point ``cfg``'s datasets at the synthetic MSeg root, as --data-root does (the lists
    follow: they are found beside the root), and load in the test process."""
    set_data_root(cfg, mseg_root)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].update(num_workers=0, persistent_workers=False)


@pytest.mark.parametrize('config', MSEG_CONFIGS, ids=[osp.basename(c)[:-3] for c in MSEG_CONFIGS])
def test_every_mseg_config_builds_its_dataloaders(config, mseg_folders):
    mseg_root, _ = mseg_folders
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    _with_synthetic_folders(cfg, mseg_root)
    train = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    # Seven sets, each repeated to about 120k samples an epoch as the original (6 ... 40 x 2).
    assert len(train.dataset) == 2 * sum(cfg.train_repeats.values())
    batch = next(iter(train))
    for sample in batch['data_samples']:
        values = set(sample.gt_sem_seg.data.unique().tolist()) - {255}
        own = _class_list(_set_of(sample.metainfo['img_path']))
        assert values <= {U[c] for c in own}  # universal labels of the sample's own classes
    test = Runner.build_dataloader(cfg.test_dataloader, seed=0)
    assert len(test.dataset) == 12
    assert [d.get_data_info(0)['mseg_dataset'] for d in test.dataset.datasets] == \
        cfg.test_sets
    metric = Runner.build_evaluator(None, cfg.test_evaluator).metrics[0]
    assert metric.scores == 'auto'  # GSS-FF's class shares and FT-W's logits told apart
    assert metric.mapping == 'probability_sum'


def _set_of(img_path: str) -> str:
    return next(n for n, d in MSEG_DATASETS.items() if f'/{d.folder}/' in img_path)


def test_the_test_dataloader_and_metric_score_a_perfect_prediction_100(mseg_folders):
    """End to end on the six synthetic test sets: universal scores that put each pixel in the
    first universal source of its labelled class score 100 on every set (classes without a
    source, Pascal-Context's flower and wood, are left out of the labels)."""
    mseg_root, lists_root = mseg_folders
    cfg = Config.fromfile(osp.join(REPO_ROOT, MSEG_CONFIGS[0]))
    _with_synthetic_folders(cfg, mseg_root)
    test = Runner.build_dataloader(cfg.test_dataloader, seed=0)
    metric = Runner.build_evaluator(None, cfg.test_evaluator).metrics[0]
    assert metric.lists_root is None  # each sample's mseg_lists_root
    for batch in test:
        for sample in batch['data_samples']:
            name = sample.metainfo['mseg_dataset']
            matrix = universal_to_test_matrix(lists_root, name)
            label = sample.gt_sem_seg.data[0]
            label = torch.where(matrix.sum(1)[label.clamp(max=len(matrix) - 1)] > 0, label,
                                torch.full_like(label, 255))
            first_source = matrix.argmax(1)
            logits = torch.full((194,) + label.shape, -10.0)
            valid = label != 255
            logits[first_source[label[valid]], valid.nonzero(as_tuple=True)[0],
                   valid.nonzero(as_tuple=True)[1]] = 10.0
            metric.process({}, [dict(sample.metainfo, seg_logits=dict(data=logits),
                                     gt_sem_seg=dict(data=label[None]))])
    results = metric.compute_metrics(metric.results)
    assert set(results) == {f'{n}.mIoU' for n in TEST_DATASETS} | {'mIoU'}
    assert all(v == pytest.approx(100.0) for v in results.values()), results


def _shrink_test_size(node) -> None:
    """Every 2048x512 resize of a config (its dict) -> 128x32."""
    if isinstance(node, dict):
        if node.get('type') == 'Resize' and tuple(node.get('scale') or ()) == (2048, 512):
            node['scale'] = (128, 32)
        for value in node.values():
            _shrink_test_size(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _shrink_test_size(item)


@pytest.mark.slow
@pytest.mark.parametrize('aug', [False, True], ids=['single-scale', 'aug-test'])
def test_tools_test_prints_the_harmonic_mean(aug, mseg_folders, tmp_path, cpu_env):
    """tools/test.py on the six synthetic test sets (an untrained EfficientNet-Lite0 UPerNet
    over the 194 universal classes): per-set mIoU and the harmonic mean are printed, also with
    --aug-test (one pipeline per test set, merged views scored as probabilities)."""
    import subprocess
    import sys

    mseg_root, _ = mseg_folders  # the lists beside the root: --data-root finds them
    source = tmp_path / 'mseg_source.py'
    source.write_text(
        f"_base_ = ['{REPO_ROOT}/configs/_base_/models/upernet_effnet-lite0.py',\n"
        f"          '{REPO_ROOT}/configs/_base_/datasets/mseg_512x512.py',\n"
        f"          '{REPO_ROOT}/configs/_base_/default_runtime.py']\n"
        "model = dict(decode_head=dict(num_classes=194))\n"
        "test_dataloader = dict(num_workers=0, persistent_workers=False)\n"
        "test_cfg = dict(type='TestLoop')\n")
    # The MSeg pipelines as they are, but testing at 128x32 instead of 2048x512 (x0.5-1.75 and
    # flips of a 2048x512 image are minutes per image on a CPU).
    cfg = Config.fromfile(str(source))
    _shrink_test_size(cfg._cfg_dict)
    config = tmp_path / 'mseg_smoke.py'
    cfg.dump(str(config))
    run = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools/test.py'), str(config), 'none',
         '--data-root', mseg_root, '--eval', 'mIoU', '--work-dir', str(tmp_path / 'out')]
        + (['--aug-test'] if aug else []),
        cwd=tmp_path, env=cpu_env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout + run.stderr
    assert 'harmonic mean' in out
    assert all(f'{name}.mIoU' in out for name in TEST_DATASETS)


def test_preflight_names_a_missing_set_folder_or_list(mseg_folders, tmp_path):
    """tools' check_data_roots, before any model is built: each test set's own folder and its
    lists must exist (MSeg's folders are not walked)."""
    mseg_root, _ = mseg_folders
    cfg = Config.fromfile(osp.join(REPO_ROOT, MSEG_CONFIGS[0]))
    _with_synthetic_folders(cfg, mseg_root)
    check_data_roots(cfg, ['test_dataloader'])
    (tmp_path / 'no_lists').mkdir()
    (tmp_path / 'no_lists' / 'mseg_dataset').symlink_to(mseg_root)  # data, no lists beside
    _with_synthetic_folders(cfg, str(tmp_path / 'no_lists' / 'mseg_dataset'))
    with pytest.raises(FileNotFoundError, match=r'^test_dataloader: list file not found: .*'
                       r'no_lists/mseg_lists/voc2012/voc2012_names\.txt \(MSegDataset\); '
                       r'link mseg-api'):
        check_data_roots(cfg, ['test_dataloader'])
    _with_synthetic_folders(cfg, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r'data folder not found: .*PASCAL_VOC_2012 '
                       r'\(MSegDataset\); download and remap MSeg'):
        check_data_roots(cfg, ['test_dataloader'])


def test_coco_stuff_base_reads_a_sample(tmp_path):
    """COCO-Stuff 10k labels: 0 is unlabelled (-> 255), classes 1..171 -> 0..170."""
    from mmseg.registry import DATASETS

    for split in ('train2014', 'test2014'):
        (tmp_path / 'images' / split).mkdir(parents=True)
        (tmp_path / 'annotations' / split).mkdir(parents=True)
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(
            tmp_path / 'images' / split / 'a.jpg')
        Image.fromarray(np.array([[0, 1, 171, 5]] * 4, np.uint8)).save(
            tmp_path / 'annotations' / split / 'a_labelTrainIds.png')
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs/_base_/datasets/coco-stuff10k_512x512.py'))
    for key in ('train_dataloader', 'test_dataloader'):
        dataset = DATASETS.build(dict(cfg[key].dataset, data_root=str(tmp_path)))
        sample = dataset[0]
        label = sample['data_samples'].gt_sem_seg.data
        assert set(label.unique().tolist()) <= {255, 0, 170, 4}
    assert label[0, 0].tolist() == [255, 0, 170, 4]


def test_eval_option_other_than_miou_is_refused_for_mseg():
    from gss.engine.config_setup import set_eval_metrics

    cfg = Config.fromfile(osp.join(REPO_ROOT, MSEG_CONFIGS[0]))
    set_eval_metrics(cfg, ['mIoU'])
    with pytest.raises(InputError, match='^--eval: MSeg configs report mIoU only'):
        set_eval_metrics(cfg, ['mIoU', 'mDice'])
