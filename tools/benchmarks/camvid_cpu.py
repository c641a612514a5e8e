"""CamVid on a CPU: baseline, GSS-FF, GSS-FT-W, GMMSeg and ProtoSeg, side by side, from a fresh
clone with one command:

    python tools/benchmarks/camvid_cpu.py [--schedule 800|4k] [--work-dir DIR] [--models ...]

compare_heads.py with ``--dataset camvid`` and these defaults: the evaluated checkpoints are
written to checkpoints/camvid/ (the shipped ones; each under 25 MB), 8 val images are drawn, and
the work dir is work_dirs/camvid_cpu (``--schedule 4k``: work_dirs/camvid_cpu_4k). Every option of
compare_heads.py applies. The 800-iteration schedule takes about an hour on 2 cores, the
converged 4k one about five hours (minutes on a GPU); interrupted runs resume.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from compare_heads import main  # noqa: E402

if __name__ == '__main__':
    main(dataset='camvid', work_dir_name='camvid_cpu', export_dir='checkpoints/camvid',
         pictures=8)
