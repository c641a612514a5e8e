"""The built-in toy scenes, CamVid's label mapping, and the data-root checks."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from gss.datasets import CamVidDataset, ToyScenesDataset, check_data_roots
from gss.datasets.data_roots import set_data_root
from gss.datasets.toy_scenes_generator import CLASSES, IGNORE_INDEX, render_toy_scene
from gss.errors import InputError


def test_toy_scene_is_deterministic_and_depends_on_split_and_index():
    image, label = render_toy_scene(0, 'train', 3)
    image2, label2 = render_toy_scene(0, 'train', 3)
    assert np.array_equal(image, image2) and np.array_equal(label, label2)
    assert not np.array_equal(image, render_toy_scene(0, 'val', 3)[0])
    assert not np.array_equal(image, render_toy_scene(0, 'train', 4)[0])
    assert not np.array_equal(image, render_toy_scene(1, 'train', 3)[0])


def test_toy_scenes_have_every_class_occlusion_and_ignore():
    labels = np.stack([render_toy_scene(0, 'train', i)[1] for i in range(60)])
    values, counts = np.unique(labels, return_counts=True)
    assert set(values.tolist()) == set(range(len(CLASSES))) | {IGNORE_INDEX}
    fractions = dict(zip(values.tolist(), counts / labels.size))
    assert 0.6 < fractions[0] < 0.9  # background dominates, but not everything
    assert 0.005 < fractions[IGNORE_INDEX] < 0.06
    for cls in range(1, len(CLASSES)):
        assert fractions[cls] > 0.005, CLASSES[cls]


def test_shared_colour_classes_differ_only_by_shape_or_texture():
    """disc/box share hues, striped/dotted share hues: colour alone cannot separate them."""
    import cv2 as _cv2

    def hues(cls):
        values = []
        for i in range(80):
            image, label = render_toy_scene(0, 'train', i)
            hsv = _cv2.cvtColor(image, _cv2.COLOR_RGB2HSV)
            values.append(hsv[..., 0][label == cls])
        return np.concatenate(values)

    for a, b in ((1, 2), (3, 4)):
        assert abs(np.median(hues(a)) - np.median(hues(b))) < 8


def test_toy_dataset_loads_pairs(toy_data_root):
    dataset = ToyScenesDataset(data_root=toy_data_root,
                               data_prefix=dict(img_path='img_dir/val',
                                                seg_map_path='ann_dir/val'),
                               pipeline=[dict(type='LoadImageFromFile'),
                                         dict(type='LoadAnnotations')])
    assert len(dataset) == 8
    sample = dataset[0]
    assert sample['img'].shape == (128, 128, 3)
    assert sample['gt_seg_map'].max() <= IGNORE_INDEX
    assert dataset.metainfo['classes'] == CLASSES


def test_camvid_void_label_becomes_ignore(tmp_path):
    for folder in ('train', 'trainannot'):
        os.makedirs(tmp_path / folder)
    label = np.array([[0, 11], [10, 3]], np.uint8)
    cv2.imwrite(str(tmp_path / 'train' / 'a.png'), np.zeros((2, 2, 3), np.uint8))
    cv2.imwrite(str(tmp_path / 'trainannot' / 'a.png'), label)
    dataset = CamVidDataset(data_root=str(tmp_path),
                            data_prefix=dict(img_path='train', seg_map_path='trainannot'),
                            pipeline=[dict(type='LoadAnnotations')])
    assert dataset[0]['gt_seg_map'].tolist() == [[0, 255], [10, 3]]
    assert len(dataset.metainfo['palette']) == 11


def _camvid_drives(tmp_path, names):
    for folder in ('train', 'trainannot'):
        os.makedirs(tmp_path / folder, exist_ok=True)
    for name in names:
        cv2.imwrite(str(tmp_path / 'train' / name), np.zeros((2, 2, 3), np.uint8))
        cv2.imwrite(str(tmp_path / 'trainannot' / name), np.zeros((2, 2), np.uint8))


def _camvid_names(tmp_path, **kwargs):
    dataset = CamVidDataset(data_root=str(tmp_path),
                            data_prefix=dict(img_path='train', seg_map_path='trainannot'),
                            pipeline=[], **kwargs)
    return [osp.basename(dataset.get_data_info(i)['img_path']) for i in range(len(dataset))]


def test_camvid_keeps_or_holds_out_whole_drives(tmp_path):
    _camvid_drives(tmp_path, ['0001TP_006690.png', '0006R0_f01020.png', '0006R0_f01050.png',
                              '0016E5_00390.png'])
    assert _camvid_names(tmp_path, drives=['0006R0']) == ['0006R0_f01020.png',
                                                          '0006R0_f01050.png']
    assert _camvid_names(tmp_path, exclude_drives=['0006R0']) == ['0001TP_006690.png',
                                                                  '0016E5_00390.png']
    assert len(_camvid_names(tmp_path)) == 4
    with pytest.raises(InputError, match=r"drive '0005VD' in .*train; its drives are 0001TP, "
                                         r"0006R0, 0016E5$"):
        _camvid_names(tmp_path, exclude_drives=['0005VD'])


def test_heldout_split_configs_partition_the_training_drives(repo_root):
    for name, held_out in (('camvid_180x240_heldout-0006R0', '0006R0'),
                           ('camvid_180x240_heldout-0001TP', '0001TP'),
                           ('camvid_360x480_heldout-0006R0', '0006R0')):
        cfg = Config.fromfile(osp.join(repo_root, f'configs/_base_/datasets/{name}.py'))
        train, val = cfg.train_dataloader.dataset, cfg.val_dataloader.dataset
        assert train.exclude_drives == [held_out] and val.drives == [held_out]
        assert train.data_prefix == val.data_prefix == dict(img_path='train',
                                                            seg_map_path='trainannot')
        assert cfg.test_dataloader.dataset.drives == [held_out]


def _toy_cfg(repo_root):
    return Config.fromfile(osp.join(repo_root, 'configs/_base_/datasets/toy_scenes.py'))


def test_missing_data_folder_is_one_line_naming_path_and_fix(repo_root, tmp_path):
    cfg = _toy_cfg(repo_root)
    set_data_root(cfg, str(tmp_path / 'nowhere'))
    with pytest.raises(FileNotFoundError) as err:
        check_data_roots(cfg)
    message = str(err.value)
    assert '\n' not in message
    assert str(tmp_path / 'nowhere' / 'img_dir' / 'train') in message
    # the command that makes the data, for the dataset's root
    assert message.endswith(f'tools/generate_toy_dataset.py {tmp_path / "nowhere"}')


def test_present_data_folder_passes(repo_root, toy_data_root):
    cfg = _toy_cfg(repo_root)
    set_data_root(cfg, toy_data_root)
    check_data_roots(cfg)
    assert cfg.test_dataloader.dataset.data_root == toy_data_root


def test_data_paths_of_registered_unregistered_and_class_types(tmp_path):
    """A dataset class may say what it reads (data_paths); any other type, registered or not,
    a class or a name, reads data_root joined with each data_prefix."""
    from gss.datasets.data_roots import DataPaths, dataset_data_paths

    prefix = dict(img_path='images', seg_map_path='labels')
    expected = [osp.join('root', 'images'), osp.join('root', 'labels')]
    for dataset_type in ('CamVidDataset', 'NotARegisteredDataset', CamVidDataset):
        paths = dataset_data_paths(dict(type=dataset_type, data_root='root', data_prefix=prefix))
        assert paths == DataPaths(expected)

    class ListedDataset:
        @staticmethod
        def data_paths(dataset_cfg):
            return DataPaths([dataset_cfg['data_root']], [str(tmp_path / 'list.txt')])

    cfg = Config(dict(test_dataloader=dict(dataset=dict(type=ListedDataset,
                                                        data_root=str(tmp_path)))))
    assert dataset_data_paths(cfg.test_dataloader.dataset).list_files == \
        [str(tmp_path / 'list.txt')]
    with pytest.raises(FileNotFoundError) as err:
        check_data_roots(cfg, ['test_dataloader'])
    # the class's name, and no dangling separator when the class gives no hint
    assert str(err.value) == (f'test_dataloader: list file not found: {tmp_path / "list.txt"} '
                              f'(ListedDataset)')
    (tmp_path / 'list.txt').write_text('a b\n')
    check_data_roots(cfg, ['test_dataloader'])
