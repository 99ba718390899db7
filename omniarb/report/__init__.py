"""Reports of a run from the history: what `omniarb report` writes for people to read later.

The history store holds every opportunity, decision, execution and outcome; a report turns
them into one self-contained HTML file — PnL curve, success rate over time, profit and latency
histograms, the per-chain table — with charts drawn as inline SVG in Python, so it opens
offline and needs nothing but a browser.
"""

from omniarb.report.html import render_report, settled_trades
from omniarb.report.svg import Series, histogram, line_chart, nice_ticks

__all__ = ["Series", "histogram", "line_chart", "nice_ticks", "render_report", "settled_trades"]
