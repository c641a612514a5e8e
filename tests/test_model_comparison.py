"""The comparison engine's report (tools/benchmarks/model_comparison.py) and the comparison
scripts' choices, on hand-made results: no process is started (the end-to-end run of
compare_heads.py is in test_benchmarks.py)."""
import json
import os

import pytest

from tests.conftest import REPO_ROOT


@pytest.fixture(autouse=True)
def benchmarks_on_path(monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools', 'benchmarks'))


def test_comparison_targets_say_met_or_by_how_much_they_are_missed():
    from model_comparison import RunResult, format_targets

    def result(name, miou, step, test):
        return RunResult(name, '', '', miou, {}, step, test, 0.0, 'RSS', 0.0, 800, '', '')

    table = format_targets([result('baseline', 58.0, 0.50, 20.0),
                            result('gss-ff', 56.0, 0.60, 11.0),
                            result('gss-ftw', 57.5, 0.0, 0.0),
                            result('gmmseg', 55.0, 0.4, 30.0)])
    rows = {line.split(' | ')[0][2:]: line.split(' | ')[1:] for line in table.splitlines()[2:]}
    assert rows['GSS-FF mIoU >= 1.00x baseline'] == ['0.966x (56.00 vs 58.00)',
                                                     'missed by 2.00 mIoU |']
    assert rows['GSS-FF training step <= 1.3x baseline'] == ['1.20x', 'met |']
    assert rows['GSS-FF test throughput >= 0.5x baseline'] == ['0.55x', 'met |']
    assert rows['GSS-FF mIoU >= gmmseg'] == ['56.00 vs 55.00', 'met |']
    assert rows['GSS-FT-W >= GSS-FF + 1.0 mIoU'] == ['+1.50', 'met |']
    assert 'protoseg' not in table  # not run: no target row
    assert format_targets([result('baseline', 58.0, 0.5, 20.0)]) == ''


def test_comparison_table_prints_unmeasured_figures_as_a_dash():
    from model_comparison import RunResult, format_table
    nan = float('nan')
    table = format_table([RunResult('baseline', '', '', 67.474, {'pole': 4.15}, 0.8851, 7.724,
                                    nan, 'RSS', 5.1423, 4000, '', '')], ['pole'])
    assert table.splitlines()[2] == '| baseline | 67.47 | 4.15 | 0.885 | 7.72 | - | 5.14 |'


def test_comparison_curve_ranks_models_at_every_validation_and_finds_where_it_settles():
    from model_comparison import RunResult, format_curve

    def result(name, curve):
        return RunResult(name, '', '', curve[-1][1], {}, 0.0, 0.0, 0.0, 'RSS', 0.0, 0, '', '',
                         val_curve=curve)

    table = format_curve([result('baseline', [[800, 50.0], [1600, 60.0], [2400, 62.0]]),
                          result('gss-ff', [[800, 52.0], [1600, 58.0], [2400, 61.5]]),
                          result('gmmseg', [[800, 40.0], [1600, 59.0]]),
                          result('protoseg', [[800, 45.0]])])  # one point: left out
    lines = table.splitlines()
    assert lines[0] == '| iteration | baseline | gss-ff | gmmseg | ranking |'
    assert lines[2] == '| 800 | 50.00 | 52.00 | 40.00 | gss-ff > baseline > gmmseg |'
    assert lines[3] == '| 1600 | 60.00 | 58.00 | 59.00 | baseline > gmmseg > gss-ff |'
    assert lines[4] == '| 2400 | 62.00 | 61.50 |  | baseline > gss-ff (without gmmseg) |'
    # 2400 lacks gmmseg, so the complete rankings are 800 and 1600, and they differ.
    assert lines[-1] == ('Ranking changed at the last validation where every model has one '
                         '(iteration 1600): not settled.')

    def last_line(a, b):
        return format_curve([result('a', a), result('b', b)]).splitlines()[-1]

    assert last_line([[1, 1.0], [2, 3.0], [3, 4.5], [4, 5.0]],
                     [[1, 2.0], [2, 2.0], [3, 4.0], [4, 4.0]]).startswith(
        'Ranking unchanged from iteration 2 to 4 ')
    assert last_line([[1, 1.0], [2, 3.0], [3, 3.0], [4, 5.0]],
                     [[1, 2.0], [2, 2.0], [3, 4.0], [4, 4.0]]).endswith(
        '(iteration 4): not settled.')
    assert last_line([[1, 1.0], [2, 3.0]], [[1, 2.0], [3, 4.0]]) == \
        'Ranking: fewer than two validations where every model has one.'
    assert format_curve([result('a', [[1, 1.0], [2, 3.0]])]) == ''


def test_validation_curve_reads_every_session_of_a_resumed_run(tmp_path):
    from model_comparison import logged_records, training_scalars, validation_curve

    def session(name, records):
        folder = tmp_path / name / 'vis_data'
        folder.mkdir(parents=True)
        (folder / 'scalars.json').write_text(''.join(json.dumps(r) + '\n' for r in records))

    session('20261201_080000', [{'loss': 1.0, 'step': 50}, {'mIoU': 40.0, 'step': 800},
                                {'mIoU': 50.0, 'step': 1600}])
    # resumed from iter_800.pth: the 1600 validation ran again
    session('20261201_090000', [{'mIoU': 51.0, 'step': 1600}, {'mIoU': 55.0, 'step': 2400}])
    records = logged_records(str(tmp_path))
    assert validation_curve(records) == [[800, 40.0], [1600, 51.0], [2400, 55.0]]
    assert training_scalars(records) == [{'loss': 1.0, 'step': 50}]


def test_camvid_comparison_selects_the_schedule_its_configs_and_work_dir():
    from compare_heads import RUNS, parse_args

    args = parse_args(['--schedule', '4k'], dataset='camvid', work_dir_name='camvid_cpu')
    assert (args.schedule, args.work_dir) == ('4k', 'work_dirs/camvid_cpu_4k')
    assert parse_args([], dataset='camvid', work_dir_name='camvid_cpu').work_dir == \
        'work_dirs/camvid_cpu'
    for run in RUNS['camvid', '4k']:
        assert os.path.isfile(os.path.join(REPO_ROOT, run.config))
        assert ('_4k-1k_' if run.name == 'gss-ftw' else '_4k_') in run.config
    with pytest.raises(SystemExit):
        parse_args(['--schedule', '4k'], dataset='toy')


def test_an_earlier_result_without_a_curve_gets_it_from_the_training_logs(tmp_path):
    """result.json files written before results kept the curve still show it."""
    from model_comparison import Comparison, ModelRun

    run_dir = tmp_path / 'baseline'
    (run_dir / '20261201_080000' / 'vis_data').mkdir(parents=True)
    (run_dir / '20261201_080000' / 'vis_data' / 'scalars.json').write_text(
        json.dumps({'mIoU': 40.0, 'step': 800}) + '\n' + json.dumps({'mIoU': 50.0, 'step': 1600}))
    (run_dir / 'result.json').write_text(json.dumps(dict(
        name='baseline', config='c.py', checkpoint='c.pth', miou=50.0, class_iou={},
        seconds_per_iter=1.0, test_images_per_second=1.0, peak_memory_mb=1.0,
        memory_kind='RSS', params_m=1.0, iters=1600, train_command='', test_command='')))
    comparison = Comparison([ModelRun('baseline', 'c.py')], str(tmp_path))
    assert comparison.earlier_result('baseline').val_curve == [[800, 40.0], [1600, 50.0]]
    assert comparison.earlier_result('gss-ff') is None
