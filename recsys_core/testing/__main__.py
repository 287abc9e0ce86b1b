"""``python -m recsys_core.testing BACKEND [--reference NAME] [pytest args]``: run the conformance suite."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the suite against one backend; returns pytest's exit code."""
    import pytest

    parser = argparse.ArgumentParser(prog="python -m recsys_core.testing", description=__doc__)
    parser.add_argument("backend", help="registered backend name (recsys plugins lists them)")
    parser.add_argument("--reference", default="torch", help="backend to measure parity against (default torch)")
    args, rest = parser.parse_known_args(argv)
    os.environ["RECSYS_CONFORMANCE_BACKEND"] = args.backend
    os.environ["RECSYS_CONFORMANCE_REFERENCE"] = args.reference
    suite = Path(__file__).with_name("suite.py")
    return int(pytest.main([str(suite), "-p", "no:cacheprovider", "-q", *rest]))


if __name__ == "__main__":
    sys.exit(main())
