"""`make bench`: prints one `name: value unit` line per figure."""
from __future__ import annotations

import sys

from bench import intake


def main() -> int:
    print(f"# intake: {intake.N} sequential filings of a 1-page PDF, SQLite (WAL), one process")
    for name, value, unit in intake.main():
        print(f"{name}: {value:.1f} {unit}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
