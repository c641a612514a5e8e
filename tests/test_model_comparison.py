"""The comparison engine (tools/benchmarks/model_comparison.py), its report
(comparison_report.py) and the comparison scripts' choices, on hand-made results: no process is
started (the end-to-end run of compare_heads.py is in test_benchmarks.py; seeds, splits and
metafiles in test_comparison_seeds.py)."""
import json
import os

import pytest

from tests.conftest import REPO_ROOT


@pytest.fixture(autouse=True)
def benchmarks_on_path(monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools', 'benchmarks'))


def _summary(name, miou, step=0.0, test=0.0):
    from model_comparison import RunResult
    from seed_summary import ModelSummary
    return ModelSummary(name, {0: RunResult(name, '', '', miou, {}, step, test, 0.0, 'RSS', 0.0,
                                            800, '', '')})


def test_comparison_targets_say_met_or_missed_with_the_margin():
    from comparison_report import format_targets, measure_targets

    table = format_targets(measure_targets([_summary('baseline', 58.0, 0.50, 20.0),
                                            _summary('gss-ff', 56.0, 0.60, 11.0),
                                            _summary('gss-ftw', 57.5),
                                            _summary('gmmseg', 55.0, 0.4, 30.0)]))
    rows = {line.split(' | ')[0][2:]: line.split(' | ')[1:] for line in table.splitlines()[2:]}
    assert rows['GSS-FF mIoU / baseline >= 1.00'] == ['0.966 (56.00 / 58.00)',
                                                      'missed, margin -0.034 |']
    logs = " (runs' logs, not side by side)"  # the speeds are train_speed.py's to decide
    assert rows['GSS-FF training step <= 1.3x baseline' + logs] == ['1.20x', 'met, margin +0.10 |']
    assert rows['GSS-FF test throughput >= 0.5x baseline' + logs] == [
        '0.55x', 'met, margin +0.05 |']
    assert rows['GSS-FF mIoU - gmmseg >= 0'] == ['+1.00 (56.00 - 55.00)', 'met, margin +1.00 |']
    assert rows['GSS-FT-W mIoU - GSS-FF >= +1.0'] == ['+1.50 (57.50 - 56.00)',
                                                      'met, margin +0.50 |']
    assert 'protoseg' not in table  # not run: no target row
    assert format_targets(measure_targets([_summary('baseline', 58.0, 0.5, 20.0)])) == ''


def test_comparison_table_prints_unmeasured_figures_as_a_dash():
    from comparison_report import format_table
    from model_comparison import RunResult
    from seed_summary import ModelSummary
    nan = float('nan')
    run = RunResult('baseline', '', '', 67.474, {'pole': 4.15}, 0.8851, 7.724, nan, 'RSS',
                    5.1423, 4000, '', '')
    table = format_table([ModelSummary('baseline', {0: run})], ['pole'])
    assert table.splitlines()[2] == '| baseline | 67.47 | 4.15 | 0.885 | 7.72 | - | 5.14 |'


def test_comparison_curve_ranks_models_at_every_validation_and_finds_where_it_settles():
    from comparison_report import format_curve
    from model_comparison import RunResult

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
    from tool_logs import logged_records, training_scalars, validation_curve

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
