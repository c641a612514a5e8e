"""The CamVid comparison over seeds and splits (tools/benchmarks/compare_heads.py and the
modules behind it) on fake result.json files: no training, no evaluation (a child process would
fail the test), seconds in all."""
import functools
import hashlib
import json
import os
import statistics

import pytest
import yaml

from tests.conftest import REPO_ROOT

BASELINE = 'configs/baseline/upernet_effnet-lite0_4k_camvid-180x240.py'
GSS_FF = 'configs/gss/camvid/gss-ff_effnet-lite0_4k_camvid-180x240.py'
GSS_FTW = 'configs/gss/camvid/gss-ftw_effnet-lite0_4k-1k_camvid-180x240.py'
# seed -> mIoU; medians: baseline seed 0 (67.0), gss-ff seed 2 (68.5)
MIOUS = {'baseline': {0: 67.0, 1: 68.0, 2: 66.5}, 'gss-ff': {0: 69.0, 1: 67.0, 2: 68.5}}
CONFIGS = {'baseline': BASELINE, 'gss-ff': GSS_FF}
SPEEDS = {'baseline': (1.0, 10.0), 'gss-ff': (1.2, 6.0)}  # s/iter, test img/s


@pytest.fixture(autouse=True)
def benchmarks_on_path(monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools', 'benchmarks'))
    monkeypatch.chdir(REPO_ROOT)  # compare_heads.main works from the repository root


@pytest.fixture
def no_child_process(monkeypatch):
    """Every command the comparison would run, recorded instead of run (it 'fails')."""
    import model_comparison
    from timing import StreamedRun

    commands = []

    def record(cmd, prefix, log_path, cwd=None):
        commands.append(list(cmd))
        return StreamedRun(1, [], 0.0, 0.0)

    monkeypatch.setattr(model_comparison, 'run_streamed', record)
    return commands


def _fake_result(path, name, config, seed, miou, checkpoint, checkpoint_sha256=''):
    step, test = SPEEDS.get(name, (float('nan'), 1.0))
    path.mkdir(parents=True, exist_ok=True)
    (path / 'result.json').write_text(json.dumps(dict(
        name=name, config=config, checkpoint=str(checkpoint), miou=miou,
        class_iou={'sky': 90.0 + seed, 'pole': miou / 10}, seconds_per_iter=step,
        test_images_per_second=test, peak_memory_mb=1000.0, memory_kind='RSS', params_m=3.0,
        iters=4000, train_command=f'train {name} {seed}', test_command=f'test {name} {seed}',
        val_curve=[[800, miou - 10 - seed], [1600, miou]], split='val', seed=seed,
        checkpoint_sha256=checkpoint_sha256)))


def fake_work_dir(root, seeds=(0, 1, 2), skip=(), split='val', offset=0.0, ceiling=92.5):
    """WORK_DIR/<split>/seed<S>/<model>/result.json for MIOUS minus ``offset`` (but the
    (seed, model)s in ``skip``), each with an exported checkpoint whose content names its run;
    and the stage-1 result, mIoU ``ceiling``."""
    for seed in seeds:
        for name, by_seed in MIOUS.items():
            if (seed, name) in skip:
                continue
            run_dir = root / split / f'seed{seed}' / name
            run_dir.mkdir(parents=True)
            checkpoint = run_dir / 'export.pth'
            checkpoint.write_text(f'{name} seed {seed}')
            _fake_result(run_dir, name, CONFIGS[name], seed, by_seed[seed] - offset, checkpoint,
                         hashlib.sha256(checkpoint.read_bytes()).hexdigest())
    _fake_result(root / split / 'stage1', 'stage1', 'c.py', 0, ceiling, 'none')
    return root


def _main(argv):
    from compare_heads import main
    return main(argv, dataset='camvid', work_dir_name='camvid_cpu',
                export_dir='checkpoints/camvid', pictures=0)


def _row(report, first_cell, after=''):
    lines = report.split(after, 1)[1].splitlines() if after else report.splitlines()
    return next(line for line in lines if line.startswith(f'| {first_cell} |')).split(' | ')


def test_report_gives_mean_std_seeds_median_ranking_and_targets(tmp_path, no_child_process):
    work = fake_work_dir(tmp_path / 'w')
    report = _main(['--schedule', '4k', '--models', 'baseline', 'gss-ff', '--seeds', '0', '1',
                    '2', '--work-dir', str(work)])
    assert no_child_process == []  # every run finished earlier: nothing trained or evaluated
    std = statistics.stdev([69.0, 67.0, 68.5])
    assert f'{std:.2f}' == '1.04'
    assert _row(report, 'gss-ff')[1:3] == ['68.17 ± 1.04', '6.82 ± 0.10']  # mIoU, pole
    assert _row(report, 'baseline')[1] == '67.17 ± 0.76'
    assert _row(report, 'baseline', after='mIoU of each seed')[1:] == [
        '67.00 (median)', '68.00', '66.50', '67.17 ± 0.76', 'seed 0 |']
    assert _row(report, 'gss-ff', after='mIoU of each seed')[-1] == 'seed 2 |'
    assert 'Ranking by the mean mIoU: gss-ff (68.17) > baseline (67.17)' in report
    targets = {line.split(' | ')[0][2:]: line.split(' | ')[1:] for line in report.splitlines()
               if line.startswith('| GSS')}
    assert targets == {
        'GSS-FF mIoU / baseline >= 1.00': ['1.015 (68.17 / 67.17)', 'met, margin +0.015 |'],
        "GSS-FF training step <= 1.3x baseline (runs' logs, not side by side)": [
            '1.20x', 'met, margin +0.10 |'],
        "GSS-FF test throughput >= 0.5x baseline (runs' logs, not side by side)": [
            '0.60x', 'met, margin +0.10 |'],
        'GSS stage-1 ceiling mIoU >= 95': ['92.50', 'missed, margin -2.50 |']}
    # the mean curve over seeds: baseline at 800 is mean(57.0, 57.0, 54.5)
    assert _row(report, '800')[1:3] == ['56.17', '57.17']
    assert _row(report, 'stage1')[1:] == ['90.00', '9.25 |']  # every class, next to the ceiling
    assert (work / 'results.md').read_text() == report


def test_several_splits_report_each_then_the_targets_side_by_side(tmp_path, no_child_process):
    work = fake_work_dir(tmp_path / 'w')
    # on the held-out drive every run scores 20 less: GSS-FF / baseline is 48.17 / 47.17
    fake_work_dir(work, split='heldout-0006R0', offset=20.0, ceiling=95.5)
    report = _main(['--schedule', '4k', '--models', 'baseline', 'gss-ff', '--seeds', '0', '1',
                    '2', '--work-dir', str(work), '--split', 'val', 'heldout-0006R0'])
    assert no_child_process == []
    assert 'evaluated on CamVid val' in report
    assert 'evaluated on CamVid held-out drive 0006R0' in report
    assert (work / 'results_heldout-0006R0.md').read_text() in report
    side_by_side = report.split('# Targets side by side, on the means over seeds 0 1 2')[1]
    assert side_by_side.splitlines()[2] == (
        '| target | CamVid val | CamVid held-out drive 0006R0 |')
    assert _row(side_by_side, 'GSS-FF mIoU / baseline >= 1.00')[1:] == [
        '1.015 (68.17 / 67.17): met, margin +0.015',
        '1.021 (48.17 / 47.17): met, margin +0.021 |']
    assert _row(side_by_side, 'GSS stage-1 ceiling mIoU >= 95')[1:] == [
        '92.50: missed, margin -2.50', '95.50: met, margin +0.50 |']
    assert (work / 'targets.md').read_text() in report


def test_side_by_side_leaves_a_target_a_split_did_not_measure_empty():
    from comparison_report import Target, format_targets_side_by_side

    table = format_targets_side_by_side({
        'a': [Target('t1', '1.0', 0.5, 1)],
        'b': [Target('t1', '0.2', -0.3, 1), Target('t2', 'x', float('nan'), 1)]})
    assert table.splitlines()[2:] == ['| t1 | 1.0: met, margin +0.5 | 0.2: missed, margin -0.3 |',
                                      '| t2 |  | x: - |']
    assert format_targets_side_by_side({'a': [], 'b': []}) == ''


def test_median_run_of_an_even_count_is_the_lower_middle_one():
    from model_comparison import RunResult
    from seed_summary import ModelSummary

    def run(miou):
        return RunResult('m', '', '', miou, {}, 0.0, 0.0, 0.0, 'RSS', 0.0, 1, '', '')

    summary = ModelSummary('m', {3: run(60.0), 5: run(62.0), 7: run(61.0), 9: run(59.0)})
    assert summary.median_seed == 3  # 59 (9) < 60 (3) < 61 (7) < 62 (5)
    assert ModelSummary('m', {4: run(60.0)}).median_seed == 4


def test_export_median_ships_each_models_median_run_and_the_metafile_says_so(
        tmp_path, no_child_process, monkeypatch):
    import compare_heads
    from metafile import read_metafile, update_metafiles

    # the metafiles go under tmp_path instead of the repository's config folders
    monkeypatch.setattr(compare_heads, 'update_metafiles',
                        functools.partial(update_metafiles, root=str(tmp_path)))
    work = fake_work_dir(tmp_path / 'w')
    report = _main(['--schedule', '4k', '--models', 'baseline', 'gss-ff', '--seeds', '0', '1',
                    '2', '--work-dir', str(work), '--export-median', '--export-dir',
                    str(tmp_path / 'ckpt'), '--metafile'])
    shipped = {p.name: p.read_text() for p in (tmp_path / 'ckpt').iterdir()}
    assert shipped == {'upernet_effnet-lite0_4k_camvid-180x240.pth': 'baseline seed 0',
                       'gss-ff_effnet-lite0_4k_camvid-180x240.pth': 'gss-ff seed 2'}
    assert '- gss-ff: seed 2 (mIoU 68.50) -> ' in report
    entry = read_metafile(str(tmp_path / 'configs' / 'gss' / 'camvid' / 'metafile.yaml'))
    model, = entry['Models']
    assert model['Weights'] == str(tmp_path / 'ckpt' / 'gss-ff_effnet-lite0_4k_camvid-180x240.pth')
    assert (model['Metadata']['Seeds'], model['Metadata']['Shipped Seed']) == ([0, 1, 2], 2)
    assert model['Results'][0]['Metrics']['mIoU'] == 68.17
    assert entry['Collections'] == [{'Name': 'GSS', 'Paper': {
        'Title': 'Generative Semantic Segmentation', 'URL': 'https://arxiv.org/abs/2303.11316'}}]


@pytest.mark.parametrize('argv, named', [
    (['--split', 'heldout-0006R0', '--export-median'],
     '--split val among the splits, not only heldout-0006R0'),
    (['--split', 'val', 'heldout-0006R0', 'val'], '--split: val is listed twice'),
    (['--split', 'heldout-9999'], "invalid choice: 'heldout-9999'"),
    (['--seeds', '0', '-1'], '--seeds -1: seeds are integers >= 0'),
    (['--seeds', '1', '2', '1'], '--seeds: seed 1 is listed twice'),
    (['--models', 'gss-ftw'], '--models gss-ftw starts from gss-ff: list both'),
    (['--jobs', '0'], '--jobs 0: at least 1 training at a time'),
])
def test_bad_arguments_end_with_one_line_naming_them(argv, named, capsys):
    from compare_heads import parse_args

    with pytest.raises(SystemExit):
        parse_args(argv, dataset='camvid', export_dir='checkpoints/camvid')
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert named in error


def test_held_out_splits_are_camvid_only(capsys):
    from compare_heads import parse_args

    with pytest.raises(SystemExit):
        parse_args(['--split', 'heldout-0001TP'], dataset='toy')
    assert capsys.readouterr().err.strip().endswith('--split heldout-0001TP: toy has val')


def test_derived_config_holds_out_the_drive_with_the_seed_and_the_model_config(tmp_path):
    from mmengine.config import Config
    from splits import write_split_config

    path = write_split_config(GSS_FTW, 'heldout-0006R0', 3, str(tmp_path / 'ftw.py'))
    cfg, model = Config.fromfile(path), Config.fromfile(os.path.join(REPO_ROOT, GSS_FTW))
    assert cfg.val_dataloader.dataset.drives == ['0006R0']
    assert cfg.test_dataloader.dataset.drives == ['0006R0']
    assert cfg.train_dataloader.dataset.exclude_drives == ['0006R0']
    assert 'drives' not in cfg.train_dataloader.dataset
    assert cfg.randomness.seed == 3
    assert cfg.model == model.model and cfg.train_cfg == model.train_cfg
    assert cfg.train_dataloader.batch_size == 2  # GSS-FT-W's own loader settings are kept

    other = Config.fromfile(write_split_config(BASELINE, 'heldout-0001TP', 0,
                                               str(tmp_path / 'b.py')))
    assert other.val_dataloader.dataset.drives == ['0001TP']
    assert other.train_dataloader.dataset.exclude_drives == ['0001TP']
    val = Config.fromfile(write_split_config(BASELINE, 'val', 7, str(tmp_path / 'v.py')))
    base = Config.fromfile(os.path.join(REPO_ROOT, BASELINE))
    assert val.randomness.seed == 7 and val.val_dataloader == base.val_dataloader
    assert val.train_dataloader == base.train_dataloader


def test_a_finished_seed_is_skipped_and_an_unfinished_one_resumes(
        tmp_path, no_child_process, capsys):
    from mmengine.config import Config

    work = fake_work_dir(tmp_path / 'w', seeds=(0, 1), skip={(1, 'gss-ff')})
    with pytest.raises(RuntimeError, match='gss-ff: training failed'):
        _main(['--schedule', '4k', '--models', 'baseline', 'gss-ff', '--seeds', '0', '1',
               '--work-dir', str(work)])
    assert capsys.readouterr().out.count('finished earlier') == 3
    assert len(no_child_process) == 1  # only seed 1's gss-ff, resumed in its own folder
    command = no_child_process[0]
    run_dir = work / 'val' / 'seed1' / 'gss-ff'
    config = run_dir / os.path.basename(GSS_FF)
    assert command[1:5] == ['tools/train.py', str(config), '--work-dir', str(run_dir)]
    assert command[-1] == '--resume'
    assert Config.fromfile(str(config)).randomness.seed == 1


def test_metafile_gets_each_split_and_keeps_other_entries(tmp_path):
    from metafile import read_metafile, update_metafiles
    from model_comparison import RunResult
    from seed_summary import ModelSummary

    other = {'Collections': [{'Name': 'UPerNet', 'README': 'kept'}],
             'Models': [{'Name': 'upernet_other', 'In Collection': 'UPerNet', 'Results': []},
                        {'Name': 'upernet_effnet-lite0_4k_camvid-180x240',
                         'Metadata': {'Weights Note': 'an unseeded run: val 67.47'}}]}
    folder = tmp_path / 'configs' / 'baseline'
    folder.mkdir(parents=True)
    (folder / 'metafile.yaml').write_text(yaml.safe_dump(other))

    def summary(mious):
        return ModelSummary('baseline', {
            seed: RunResult('baseline', BASELINE, '', miou, {}, 0.0, 0.0, 0.0, 'RSS', 0.0, 4000,
                            '', '') for seed, miou in mious.items()})

    update_metafiles([summary({0: 66.0})], 'CamVid val', 'CamVid', root=str(tmp_path))
    unshipped = read_metafile(str(folder / 'metafile.yaml'))['Models'][1]['Metadata']
    assert unshipped['Weights Note'] == 'an unseeded run: val 67.47'  # the weights are not seed 0
    weights = {'baseline': 'checkpoints/camvid/upernet_effnet-lite0_4k_camvid-180x240.pth'}
    update_metafiles([summary(MIOUS['baseline'])], 'CamVid val', 'CamVid', weights,
                     shipped=True, root=str(tmp_path))
    written = update_metafiles([summary({0: 60.0, 1: 61.0})],
                               'CamVid held-out drive 0006R0', 'CamVid', root=str(tmp_path))
    assert written == [str(folder / 'metafile.yaml')]
    data = read_metafile(written[0])
    assert data['Collections'] == [{'Name': 'UPerNet', 'README': 'kept'}]
    assert data['Models'][0] == other['Models'][0]
    entry = data['Models'][1]
    assert entry['Name'] == 'upernet_effnet-lite0_4k_camvid-180x240'
    assert (entry['In Collection'], entry['Config'], entry['Weights']) == (
        'UPerNet', BASELINE, weights['baseline'])
    assert entry['Metadata'] == {'Training Data': 'CamVid', 'Training Iterations': 4000,
                                 'Crop Size': '180x240', 'Batch Size': 4, 'Seeds': [0, 1, 2],
                                 'Shipped Seed': 0}
    val, held_out = entry['Results']
    assert val == {'Task': 'Semantic Segmentation', 'Dataset': 'CamVid val', 'Metrics': {
        'mIoU': 67.17, 'mIoU std': 0.76, 'mIoU (seed 0)': 67.0, 'mIoU (seed 1)': 68.0,
        'mIoU (seed 2)': 66.5}}
    assert held_out['Dataset'] == 'CamVid held-out drive 0006R0'
    assert held_out['Metrics'] == {'mIoU': 60.5, 'mIoU std': 0.71, 'mIoU (seed 0)': 60.0,
                                   'mIoU (seed 1)': 61.0}
    update_metafiles([summary({0: 70.0})], 'CamVid val', 'CamVid', root=str(tmp_path))
    results = read_metafile(written[0])['Models'][1]['Results']
    assert [r['Dataset'] for r in results] == ['CamVid val', 'CamVid held-out drive 0006R0']
    assert results[0]['Metrics'] == {'mIoU': 70.0, 'mIoU (seed 0)': 70.0}  # one seed: no std
    assert results[1] == held_out


def test_metafile_write_that_fails_leaves_the_previous_file(tmp_path, monkeypatch):
    import metafile

    path = tmp_path / 'metafile.yaml'
    path.write_text('Models: []\n')

    def half_then_fail(data, stream, **kwargs):
        stream.write('Models:\n- Name: trunc')
        raise KeyboardInterrupt

    monkeypatch.setattr(metafile.yaml, 'safe_dump', half_then_fail)
    with pytest.raises(KeyboardInterrupt):
        metafile.write_yaml_atomically({'Models': [{'Name': 'x'}]}, str(path))
    assert path.read_text() == 'Models: []\n'
    assert os.listdir(tmp_path) == ['metafile.yaml']


def test_jobs_train_runs_at_once_with_ftw_after_its_ff_and_a_failure_stopping_no_other(
        tmp_path, monkeypatch):
    import threading
    import time

    import model_comparison
    from compare_heads import RUNS
    from model_comparison import Comparison, max_iters, train_concurrently
    from timing import StreamedRun

    lock = threading.Lock()
    events, running, peak = [], [0], [0]

    def fake_training(cmd, prefix, log_path, cwd=None):
        work_dir = cmd[cmd.index('--work-dir') + 1]
        name = os.path.relpath(work_dir, tmp_path)  # '<seed>/<model>'
        with lock:
            events.append(('start', name))
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2)
        failed = name == 'seed1/baseline'
        if not failed:
            open(os.path.join(work_dir, f'iter_{max_iters(cmd[2], [])}.pth'), 'w').close()
        with lock:
            running[0] -= 1
            events.append(('end', name))
        return StreamedRun(int(failed), [], 0.0, 0.2)

    monkeypatch.setattr(model_comparison, 'run_streamed', fake_training)
    runs = [r for r in RUNS['camvid', '4k'] if r.name in ('baseline', 'gss-ff', 'gss-ftw')]
    comparisons = [Comparison(runs, str(tmp_path / f'seed{seed}'), 'val', seed)
                   for seed in (0, 1)]
    with pytest.raises(RuntimeError, match='baseline: training failed'):
        train_concurrently(comparisons, jobs=2)
    assert peak[0] == 2
    started = [name for event, name in events if event == 'start']
    assert sorted(started) == sorted(f'seed{s}/{m}' for s in (0, 1)
                                     for m in ('baseline', 'gss-ff', 'gss-ftw'))
    for seed in (0, 1):  # FT-W starts from its own seed's finished GSS-FF
        assert events.index(('start', f'seed{seed}/gss-ftw')) > \
            events.index(('end', f'seed{seed}/gss-ff'))
    assert (tmp_path / 'seed1' / 'gss-ftw' / 'iter_1000.pth').exists()
    assert not (tmp_path / 'seed1' / 'baseline' / 'iter_4000.pth').exists()


def test_records_keep_each_finished_run_and_a_later_session_retrains_nothing_recorded(
        tmp_path, monkeypatch, capsys):
    """A finished run's result is copied into the records; with an empty work dir (a new
    session), a recorded run is read, not retrained, and an unrecorded one trains."""
    import model_comparison
    import torch
    from compare_heads import RUNS
    from model_comparison import Comparison
    from timing import StreamedRun

    trained = []

    def fake_tools(cmd, prefix, log_path, cwd=None):
        if cmd[1] == 'tools/train.py':
            work_dir = cmd[cmd.index('--work-dir') + 1]
            trained.append(os.path.basename(work_dir))
            torch.save({'w': torch.ones(2)}, os.path.join(work_dir, 'iter_4000.pth'))
            return StreamedRun(0, [], 0.0, 0.0)
        return StreamedRun(0, ['Iter(test) [101/101]    mIoU: 61.2500  mAcc: 70.0000',
                               '| sky | 90.5 | 95.0 |'], 0.0, 0.0)

    monkeypatch.setattr(model_comparison, 'run_streamed', fake_tools)
    monkeypatch.setattr(model_comparison, 'count_parameters', lambda config: 3.0)
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools'))  # the export's merge_checkpoints
    baseline, = [r for r in RUNS['camvid', '4k'] if r.name == 'baseline']
    records = tmp_path / 'records' / 'val' / 'seed0'
    first = Comparison([baseline], str(tmp_path / 'session1'), 'val', 0, records=str(records))
    result = first.run_one(baseline, '')
    assert trained == ['baseline'] and result.miou == 61.25
    kept = json.loads((records / 'baseline.json').read_text())
    assert (kept['miou'], kept['class_iou'], kept['seed']) == (61.25, {'sky': 90.5}, 0)
    exported = os.path.join(REPO_ROOT, kept['checkpoint'])
    with open(exported, 'rb') as f:
        assert kept['checkpoint_sha256'] == hashlib.sha256(f.read()).hexdigest()

    gss_ff, = [r for r in RUNS['camvid', '4k'] if r.name == 'gss-ff']
    later = Comparison([baseline, gss_ff], str(tmp_path / 'session2'), 'val', 0,
                       records=str(records))
    assert later.run_one(baseline, '').miou == 61.25
    assert trained == ['baseline']  # read from the records
    said = capsys.readouterr().out
    assert said.endswith(f'finished earlier: mIoU 61.25 ({records}/baseline.json)\n')
    later.train_chain([gss_ff])
    assert trained == ['baseline', 'gss-ff']

    # a run finished before the records existed is recorded when it is read
    other = tmp_path / 'records' / 'val' / 'seed1'
    Comparison([baseline], str(tmp_path / 'session1'), 'val', 0,
               records=str(other)).run_one(baseline, '')
    assert json.loads((other / 'baseline.json').read_text()) == kept


def test_a_run_whose_start_is_only_recorded_names_the_record_to_move(tmp_path, no_child_process):
    from compare_heads import RUNS
    from model_comparison import Comparison

    runs = [r for r in RUNS['camvid', '4k'] if r.name in ('gss-ff', 'gss-ftw')]
    records = tmp_path / 'records'
    records.mkdir()
    _fake_result(tmp_path / 'session1' / 'gss-ff', 'gss-ff', GSS_FF, 0, 60.0, 'gone.pth')
    os.replace(tmp_path / 'session1' / 'gss-ff' / 'result.json', records / 'gss-ff.json')
    comparison = Comparison(runs, str(tmp_path / 'session2'), 'val', 0, records=str(records))
    with pytest.raises(RuntimeError, match=f'move its record {records}/gss-ff.json away'):
        comparison.train_chain(runs)
    assert no_child_process == []


def test_export_median_refuses_a_median_known_only_from_the_records(tmp_path, no_child_process):
    work = fake_work_dir(tmp_path / 'w', seeds=(0,))
    os.remove(work / 'val' / 'seed0' / 'gss-ff' / 'export.pth')
    with pytest.raises(SystemExit, match="gss-ff's median run \\(seed 0, mIoU 69.00\\) has no "
                                         'checkpoint here'):
        _main(['--schedule', '4k', '--models', 'baseline', 'gss-ff', '--work-dir', str(work),
               '--export-median', '--export-dir', str(tmp_path / 'ckpt')])
    assert not (tmp_path / 'ckpt').exists()  # nothing copied, not even the baseline's


def test_export_median_accepts_a_recorded_median_that_is_already_shipped(
        tmp_path, no_child_process, monkeypatch):
    """A median run trained in an earlier session counts as shipped when the shipped file has
    its recorded SHA-256, and is refused when the shipped file is another run's."""
    import compare_heads
    from metafile import read_metafile, update_metafiles

    monkeypatch.setattr(compare_heads, 'update_metafiles',
                        functools.partial(update_metafiles, root=str(tmp_path)))
    work = fake_work_dir(tmp_path / 'w')
    gss_ff_median = work / 'val' / 'seed2' / 'gss-ff' / 'export.pth'
    ckpt = tmp_path / 'ckpt'
    ckpt.mkdir()
    shipped = ckpt / 'gss-ff_effnet-lite0_4k_camvid-180x240.pth'
    shipped.write_bytes(gss_ff_median.read_bytes())
    os.remove(gss_ff_median)
    argv = ['--schedule', '4k', '--models', 'baseline', 'gss-ff', '--seeds', '0', '1', '2',
            '--work-dir', str(work), '--export-median', '--export-dir', str(ckpt), '--metafile']
    report = _main(argv)
    assert {p.name: p.read_text() for p in ckpt.iterdir()} == {
        'upernet_effnet-lite0_4k_camvid-180x240.pth': 'baseline seed 0',
        'gss-ff_effnet-lite0_4k_camvid-180x240.pth': 'gss-ff seed 2'}
    assert f'- gss-ff: seed 2 (mIoU 68.50) -> {shipped} (shipped already: the same SHA-256)' \
        in report
    model, = read_metafile(str(tmp_path / 'configs' / 'gss' / 'camvid' / 'metafile.yaml'))['Models']
    assert model['Metadata']['Shipped Seed'] == 2

    shipped.write_text('gss-ff seed 0')  # another run's checkpoint
    (ckpt / 'upernet_effnet-lite0_4k_camvid-180x240.pth').unlink()
    with pytest.raises(SystemExit, match="gss-ff's median run \\(seed 2, mIoU 68.50\\) has no "
                                         'checkpoint here .* and is not the shipped'):
        _main(argv)
    assert shipped.read_text() == 'gss-ff seed 0'
    assert not (ckpt / 'upernet_effnet-lite0_4k_camvid-180x240.pth').exists()  # nothing copied


def test_pictures_leave_out_a_median_known_only_from_the_records(
        tmp_path, no_child_process, monkeypatch):
    import prediction_pictures

    drawn = []

    def fake_pictures(models, out_dir, count, data_root=None):
        drawn.extend(name for name, _, _ in models)
        return [os.path.join(out_dir, f'{i}.png') for i in range(count)]

    monkeypatch.setattr(prediction_pictures, 'write_pictures', fake_pictures)
    work = fake_work_dir(tmp_path / 'w', seeds=(0,))
    os.remove(work / 'val' / 'seed0' / 'gss-ff' / 'export.pth')
    report = _main(['--schedule', '4k', '--models', 'baseline', 'gss-ff', '--work-dir', str(work),
                    '--pictures', '2'])
    assert drawn == ['baseline']
    assert 'No pictures of gss-ff: their median runs are known only from the records' in report
