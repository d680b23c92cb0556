#!/usr/bin/python3
"""Sums the JUnit-style XML reports of Criterion and pytest in the directories given
and prints one line: 'N passed, N failed' (skips are counted apart)."""
import pathlib
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    passed = failed = skipped = 0
    paths = [p for d in sys.argv[1:] for p in sorted(pathlib.Path(d).glob("*.xml"))]
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as exc:
            print(f"test-summary: {path}: unreadable report: {exc}", file=sys.stderr)
            failed += 1
            continue
        for case in root.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    extra = f" ({skipped} skipped)" if skipped else ""
    print(f"{passed} passed, {failed} failed{extra}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
