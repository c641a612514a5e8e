"""Tables as the benchmark tools print them: Markdown tables (the docs quote them as they are)
and fixed-width text columns, with their figures formatted one way."""
from __future__ import annotations

import math
import statistics
from typing import Iterable, List, Sequence


def figure(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals; '-' for NaN, a figure not measured (for example the
    training memory of a run trained outside a comparison and only evaluated by it)."""
    return '-' if value != value else f'{value:.{digits}f}'


def finite_mean(values: Iterable[float]) -> float:
    """Mean of the measured (non-NaN) values; NaN when there are none."""
    measured = [v for v in values if v == v]
    return statistics.fmean(measured) if measured else math.nan


def sample_std(values: Sequence[float]) -> float:
    """Sample standard deviation (n - 1); NaN for fewer than two values."""
    return statistics.stdev(values) if len(values) >= 2 else math.nan


def mean_std(values: Sequence[float], digits: int = 2) -> str:
    """'mean ± sample std' of ``values``; the value alone when there is one (a single run has
    no spread to report), '-' when there are none."""
    if not values:
        return '-'
    if len(values) == 1:
        return figure(values[0], digits)
    return f'{statistics.fmean(values):.{digits}f} ± {sample_std(values):.{digits}f}'


def markdown_row(cells: Sequence[str]) -> str:
    """One Markdown table row."""
    return '| ' + ' | '.join(str(c) for c in cells) + ' |'


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table: the header, its separator, the rows."""
    lines = [markdown_row(header), '|' + '---|' * len(header)]
    lines += [markdown_row(row) for row in rows]
    return '\n'.join(lines)


def aligned_row(cells: Sequence[str], widths: Sequence[int]) -> str:
    """Fixed-width text columns: the first cell left-aligned to its width (a name), the others
    right-aligned (figures), so that the columns can be split on whitespace."""
    parts: List[str] = [f'{cells[0]:<{widths[0]}}']
    parts += [f'{cell:>{width}}' for cell, width in zip(cells[1:], widths[1:])]
    return ''.join(parts)
