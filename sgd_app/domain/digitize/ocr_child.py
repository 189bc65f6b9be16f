"""The OCR child program: ``python -P ocr_child.py SRC DST MODE LANGUAGE PAGE_TIMEOUT``.

It runs ocrmypdf and, loaded again by ocrmypdf as a plugin (by file name), gives it a "progress
bar" that prints one JSON line per update on stdout for the parent (``ocr.run_ocr``) to read; a
failure is one last ``{"error", "message"}`` line and exit code 3. It imports nothing of sgd_app.
"""

import json
import sys

import ocrmypdf
from ocrmypdf import hookimpl


class _Report:
    def __init__(self, *, total=None, desc=None, unit=None, disable=False, **kwargs):
        self.total, self.desc, self.unit, self.done = total, desc, unit, 0

    def __enter__(self):
        self._emit()
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1, *, completed=None):
        self.done = completed if completed is not None else self.done + n
        self._emit()

    def _emit(self):
        report = {"desc": self.desc, "unit": self.unit, "total": self.total, "done": self.done}
        sys.stdout.write(json.dumps(report) + "\n")
        sys.stdout.flush()


@hookimpl
def get_progressbar_class():
    return _Report


def main() -> None:
    src, dst, mode, language, page_timeout = sys.argv[1:6]
    try:
        code = ocrmypdf.ocr(
            src,
            dst,
            language=[language],
            output_type="pdf",  # no PDF/A, so no Ghostscript pass (Debian's 10.0 is refused for it)
            optimize=0,
            mode=mode,
            rotate_pages=True,
            jobs=1,
            use_threads=True,
            progress_bar=True,
            plugins=[__file__],
            tesseract_timeout=float(page_timeout),
            invalidate_digital_signatures=False,
        )
    except Exception as exc:
        sys.stdout.write(json.dumps({"error": type(exc).__name__, "message": str(exc)[:400]}) + "\n")
        sys.stdout.flush()
        sys.exit(3)
    sys.exit(int(code))


if __name__ == "__main__":
    main()
