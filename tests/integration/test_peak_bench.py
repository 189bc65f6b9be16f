"""`make bench-peak` still measures what it says: a short run (12 citizens, one worker) against
this app and the bare Reflex app gives every figure, every citizen answered and the submitters'
receipts — the full run is the same code with 1,000 citizens."""

from __future__ import annotations

import math

from bench import peak


def test_a_short_peak_run_measures_both_apps(monkeypatch):
    for name, value in (("N", 12), ("PROCS", 2), ("TYPING_S", 3.0), ("BURST_S", 1.0), ("WORKERS", [1])):
        monkeypatch.setattr(peak, name, value)
    # the generator processes read the phase lengths from the environment
    monkeypatch.setenv("BENCH_PEAK_TYPING_S", "3")
    monkeypatch.setenv("BENCH_PEAK_BURST_S", "1")
    rows = {name: value for name, value, _unit in peak.main()}
    for tag in ("peak", "peak_bare"):
        assert rows[f"{tag}_errors"] == 0, rows
        assert rows[f"{tag}_submitted"] == 12 // peak.SUBMIT_EVERY + 1  # citizens 0, 5 and 10
        for key in ("hydrate_p95_ms", "event_p95_ms", "submit_p95_ms", "sustained_per_s"):
            assert rows[f"{tag}_{key}"] > 0 and math.isfinite(rows[f"{tag}_{key}"]), (tag, key, rows)
        # paced typing: every citizen's events came back (one every 2 s for 3 s: 1 or 2 each)
        assert rows[f"{tag}_answered_per_s"] == rows[f"{tag}_offered_per_s"] > 0
    assert math.isfinite(rows["peak_ratio_hydrate_p95_ms"])
