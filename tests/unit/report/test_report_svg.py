"""The report's SVG charts: round ticks that cover the data, histogram counts, no outside
reference, and an empty chart that says so."""

from __future__ import annotations

import itertools
import math
import re

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from omniarb.report import Series, histogram, line_chart, nice_ticks


@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.floats(min_value=1e-6, max_value=1e9, allow_nan=False),
)
@example(low=-5e-324, span=1000.0)  # low / step underflows to -0.0
def test_ticks_cover_the_range_in_round_steps(low: float, span: float) -> None:
    assume(span > abs(low) * 1e-6)  # past float precision there is no round step to find
    ticks = nice_ticks(low, low + span)
    assert ticks[0] <= low
    assert ticks[-1] >= low + span - abs(low + span) * 1e-9
    assert 2 <= len(ticks) <= 12
    step = ticks[1] - ticks[0]
    for a, b in itertools.pairwise(ticks):
        assert math.isclose(b - a, step, rel_tol=1e-6)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-5) for m in (1, 2, 5, 10))


def test_histogram_counts_every_value_once() -> None:
    svg = histogram("h", [1, 1, 2, 3, 3, 3, 10], x_label="x", bins=3)
    counts = [int(n) for n in re.findall(r"<title>(\d+) in", svg)]
    assert sum(counts) == 7
    assert sorted(counts) == [1, 6]
    assert "7 values" in svg


def test_charts_are_plain_inline_svg() -> None:
    svg = line_chart(
        "PnL",
        [Series(name="total <all>", points=[(1.7e9, 0.0), (1.7e9 + 30, 12.5)])],
        x_label="t",
    )
    assert svg.startswith("<svg ")
    assert "xmlns" not in svg
    assert "http" not in svg
    assert "total &lt;all&gt;" in svg
    assert "seconds since" in svg
    assert "<polyline" in svg


@pytest.mark.parametrize("chart", ["line", "histogram"])
def test_no_data_says_so(chart: str) -> None:
    svg = line_chart("t", [], x_label="x") if chart == "line" else histogram("t", [], x_label="x")
    assert "no data" in svg
