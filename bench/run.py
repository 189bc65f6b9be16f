"""`make bench`: prints one `name: value unit` line per figure."""
from __future__ import annotations

import sys

from bench import intake, signing, workspace


def main() -> int:
    print(f"# intake: {intake.N} sequential filings of a 1-page PDF, SQLite (WAL), one process")
    for name, value, unit in intake.main():
        print(f"{name}: {value:.1f} {unit}")
    sys.stdout.flush()
    print("# signing: PAdES B-T, RSA-2048, local TSA, one process, 1-page PDF")
    for name, value, unit in signing.main():
        print(f"{name}: {value:.1f} {unit}")
    sys.stdout.flush()
    print(f"# workspace: {workspace.N_CASES} generated cases, SQLite, first inbox page with tab counts, case page")
    for name, value, unit in workspace.main():
        print(f"{name}: {value:.1f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
