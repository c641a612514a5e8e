"""Seconds and peak memory, measured one way for every benchmark tool: of calls in this process
(``time_calls``, ``interleaved_medians``, ``SectionTimer``, ``PeakRSS``, ``peak_memory_mb``) and
of child processes (``run_streamed``, ``run_json_child``)."""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import threading
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch


def synchronize(device: Any = 'cpu') -> None:
    """Wait for the work queued on ``device``: CUDA runs asynchronously, so without this a timer
    would measure only the kernel launches."""
    device = torch.device(device)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_calls(fn: Callable[[], Any], repeats: int, device: Any = 'cpu',
               warmup: int = 1) -> Tuple[List[float], List[Any]]:
    """Call ``fn`` ``warmup`` times untimed (first calls pay for allocations and kernel
    selection), then ``repeats`` times timed: (seconds of each timed call, its outputs)."""
    seconds, outputs = [], []
    for index in range(warmup + repeats):
        synchronize(device)
        start = time.perf_counter()
        out = fn()
        synchronize(device)
        if index >= warmup:
            seconds.append(time.perf_counter() - start)
            outputs.append(out)
    return seconds, outputs


def median_seconds(fn: Callable[[], Any], repeats: int, device: Any = 'cpu',
                   warmup: int = 1) -> float:
    """Median seconds of ``repeats`` timed calls of ``fn`` after ``warmup`` untimed ones."""
    return statistics.median(time_calls(fn, repeats, device, warmup)[0])


def interleaved_medians(steps: Sequence[Callable[[], Any]], iters: int,
                        device: Any = 'cpu') -> List[float]:
    """Median seconds of each step over ``iters`` rounds, after a warm-up round.

    The steps take turns, one call each per round, so that a machine whose speed drifts during
    the run (shared CPUs: +-10 % between runs here) slows them all alike and their ratios stay
    comparable.
    """
    times = [[] for _ in steps]
    for round_index in range(iters + 1):
        for record, step in zip(times, steps):
            seconds = time_calls(step, 1, device, warmup=0)[0][0]
            if round_index:
                record.append(seconds)
    return [statistics.median(record) for record in times]


class SectionTimer:
    """Sums the seconds spent in wrapped callables by name (queued device work included)."""

    def __init__(self, device: Any = 'cpu') -> None:
        self.device = device
        self.seconds: Dict[str, float] = {}

    def wrap(self, name: str, fn: Callable) -> Callable:
        """``fn``, timed into ``seconds[name]`` at every call."""
        def timed(*args, **kwargs):
            synchronize(self.device)
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            synchronize(self.device)
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
            return out
        return timed


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


class PeakRSS:
    """Samples the resident memory every millisecond in a thread while in the ``with`` block;
    ``peak`` is the largest seen. Unlike ``ru_maxrss`` it can start from the current level, so
    the growth caused by the block is ``peak - rss_mb()`` taken before it."""

    def __init__(self) -> None:
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.001)

    def __enter__(self) -> 'PeakRSS':
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def peak_memory_mb(device: Any = 'cpu') -> float:
    """Peak memory of this process so far, in MB: allocated GPU memory on a GPU, else the
    resident set's high-water mark."""
    device = torch.device(device)
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2 ** 20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


class StreamedRun(NamedTuple):
    """What ``run_streamed`` measured of one child process."""
    returncode: int
    lines: List[str]
    peak_rss_mb: float  # of the child itself (its own children not counted)
    seconds: float


def run_streamed(cmd: Sequence[str], prefix: str, log_path: str,
                 cwd: Optional[str] = None) -> StreamedRun:
    """Run ``cmd``, echo its output with ``prefix`` and append it to ``log_path``.

    ``os.wait4`` gives this child's own resource usage, so the peak is that of the child and
    not of any earlier one.
    """
    start = time.perf_counter()
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    lines = []
    with open(log_path, 'a') as log:
        for line in proc.stdout:
            lines.append(line.rstrip('\n'))
            log.write(line)
            print(f'{prefix} {line}', end='', flush=True)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return StreamedRun(proc.returncode, lines, usage.ru_maxrss / 1024,
                       time.perf_counter() - start)


def run_json_child(cmd: Sequence[str], what: str) -> Any:
    """Run a measurement in a fresh process (so that its peak memory is its own) that prints
    its result as JSON on its last line; raises RuntimeError with the end of its stderr when
    it fails."""
    result = subprocess.run(list(cmd), capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f'{what} failed (exit {result.returncode}):\n'
                           f'{result.stderr[-3000:]}')
    return json.loads(result.stdout.strip().splitlines()[-1])
