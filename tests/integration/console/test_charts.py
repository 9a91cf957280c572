"""The console's charts as Vega-Lite specs: what the browser is given to draw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hhvalues.store.analysis import Monitor
from hhvalues.ui.console import charts


def _monitor(counts: list[int]) -> Monitor:
    start = datetime(2026, 12, 8, 14, 17, tzinfo=UTC)
    minutes = tuple((start + timedelta(minutes=k), n) for k, n in enumerate(counts))
    return Monitor(start + timedelta(minutes=30), {}, (), minutes, None, 0, 0, 0)


def _spec(counts: list[int]) -> dict:
    spec = charts.answers_per_minute_chart(_monitor(counts)).to_dict()
    (values,) = spec["datasets"].values()
    return {"encoding": spec["encoding"], "values": values}


def test_the_answer_rate_axis_is_in_utc_in_any_browser():
    """Issue 19 item 11: the time axis read 02:17…02:47 beside "Updated 14:47 UTC" (the
    ``%H:%M`` format, seen in Chromium in UTC and Pacific/Auckland alike). The minutes are
    sent as epoch milliseconds and labelled from their UTC hour and minute."""
    spec = _spec([k % 3 for k in range(31)])
    first = spec["values"][0]
    assert first["minute"] == int(datetime(2026, 12, 8, 14, 17, tzinfo=UTC).timestamp() * 1000)
    assert first["time"] == "14:17"
    axis = spec["encoding"]["x"]["axis"]
    assert "format" not in axis and "utchours(datum.value)" in axis["labelExpr"]


def test_an_empty_answer_rate_counts_in_whole_numbers():
    """Issue 19 item 11: with no answers the y axis showed one tick "0.000000"."""
    y = _spec([0] * 31)["encoding"]["y"]
    assert y["scale"]["domain"] == [0, 1] and y["axis"]["format"] == "d"
    assert _spec([0, 7, 2])["encoding"]["y"]["scale"]["domain"] == [0, 7]
