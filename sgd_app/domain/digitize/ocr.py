"""OCR: ocrmypdf + tesseract (Spanish) in a child process (``ocr_child.py``), so that it can be
timed out and killed with everything it started; its progress comes back as JSON lines."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sgd_app.domain.digitize.failures import Retryable, one_line
from sgd_app.domain.digitize.vocabulary import ERR_OCR_FAILED, ERR_OCR_TIMEOUT, ERR_TOOL

OCR_TIMEOUT_BASE = 60.0  # seconds, plus per page:
OCR_TIMEOUT_PER_PAGE = 90.0
OCR_TIMEOUT_MAX = 3 * 3600.0
TESSERACT_PAGE_TIMEOUT = 180.0
OCR_LANGUAGE = "spa"

# Run by file name, not imported: the child needs only ocrmypdf, not this package.
CHILD = Path(__file__).resolve().with_name("ocr_child.py")

_EOF = object()


def _pump(stream, lines: queue.Queue) -> None:
    try:
        for raw in iter(stream.readline, b""):
            lines.put(raw)
    finally:
        lines.put(_EOF)


def kill(proc: subprocess.Popen) -> None:
    """Kill the child and its process group (tesseract, ghostscript), then reap it."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # ocrmypdf and its tesseract / gs children
    except (ProcessLookupError, PermissionError, OSError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def ocr_timeout(pages: int) -> float:
    """Seconds the OCR of a PDF of ``pages`` pages may take."""
    return min(OCR_TIMEOUT_MAX, OCR_TIMEOUT_BASE + OCR_TIMEOUT_PER_PAGE * max(1, pages))


def run_ocr(
    src: Path,
    dst: Path,
    *,
    mode: str,
    timeout: float,
    workdir: Path,
    on_event: Callable[[dict], None],
    tick: Callable[[], None],
) -> None:
    """Run ocrmypdf on ``src`` into ``dst``; ``on_event`` gets each progress report, ``tick`` is
    called about every half second (heartbeat; it may raise to abort). Raises Retryable."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1", PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(workdir))
    errors_path = workdir / "ocr-stderr.txt"
    failure: dict = {}
    with open(errors_path, "wb") as err:
        proc = subprocess.Popen(
            # -P: the package's folder stays off the child's sys.path (its modules shadow nothing)
            [sys.executable, "-P", str(CHILD), str(src), str(dst), mode, OCR_LANGUAGE, str(TESSERACT_PAGE_TIMEOUT)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=workdir,
            env=env,
            start_new_session=True,
        )
        lines: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True, name="sgd-ocr-progreso")
        reader.start()
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    raw = lines.get(timeout=0.5)
                except queue.Empty:
                    raw = None
                if raw is _EOF:
                    break
                if raw:
                    try:
                        event = json.loads(raw)
                    except ValueError:
                        event = None
                    if isinstance(event, dict):
                        if "error" in event:
                            failure = event
                        else:
                            on_event(event)
                tick()
                if time.monotonic() > deadline:
                    raise Retryable(ERR_OCR_TIMEOUT.format(seconds=int(timeout)))
            code = proc.wait(timeout=max(5.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            kill(proc)
            raise Retryable(ERR_OCR_TIMEOUT.format(seconds=int(timeout))) from None
        except BaseException:
            kill(proc)
            raise
        finally:
            reader.join(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
    if code == 0 and dst.is_file():
        return
    name = failure.get("error", "")
    detail = failure.get("message", "") or _tail(errors_path) or f"código de salida {code}"
    if name == "MissingDependencyError":
        raise Retryable(ERR_TOOL.format(detail=one_line(detail, 200)))
    raise Retryable(ERR_OCR_FAILED.format(detail=one_line(f"{name + ': ' if name else ''}{detail}", 300)))


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if line.strip()][-lines:]
    return " ".join(kept)
