"""The security suite's summary line, printed at the end of every run that ran any of it:

    security: N cases, M broken

(N = security test items that ran, M = those that failed or errored; a skipped item counts as
broken: a hostile case that did not run proves nothing). A plugin loaded by tests/conftest.py,
so that it also counts under pytest-xdist, where the controller that prints the summary loads
no conftest below tests/ and only sees the workers' reports."""

from __future__ import annotations

_PREFIX = "tests/security/"
_RAN: dict[str, str] = {}  # nodeid -> "passed" | "broken"


def pytest_runtest_logreport(report):
    if not report.nodeid.startswith(_PREFIX):
        return
    if report.failed or report.skipped:
        _RAN[report.nodeid] = "broken"
    elif report.when == "call":
        _RAN.setdefault(report.nodeid, "passed")


def pytest_terminal_summary(terminalreporter):
    if not _RAN:
        return
    broken = sum(1 for v in _RAN.values() if v == "broken")
    terminalreporter.write_line(f"security: {len(_RAN)} cases, {broken} broken")
