"""SECURITY.md names, for each promise, the tests that hold it: every one must exist (a
renamed or deleted test would leave a promise unheld without anyone noticing)."""

from __future__ import annotations

import ast
import fnmatch
import re

from wscb_analysis import config

ROOT = config.PROJECT_ROOT


def _cited() -> list[tuple[str, str]]:
    """(test file, test name or pattern) for each citation; ``::name`` alone continues the
    last file named."""
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    out, current = [], None
    for m in re.finditer(r"`(tests/[\w/]+\.py)?::([\w*]+)`", text):
        current = m.group(1) or current
        assert current, f"::{m.group(2)} before any file is named"
        out.append((current, m.group(2)))
    return out


def _tests_in(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_test_security_md_cites_exists():
    cited = _cited()
    assert len(cited) >= 30  # seven promises, each with its tests
    missing = [f"{path}::{name}" for path, name in cited
               if not (ROOT / path).exists()
               or not fnmatch.filter(sorted(_tests_in(path)), name)]
    assert missing == []


def test_every_promise_cites_a_test():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    sections = re.split(r"\n## ", text)[1:]
    promises = [s for s in sections if re.match(r"\d\.", s)]
    assert len(promises) >= 7  # more may be added; none may lose its tests
    for section in promises:
        assert re.search(r"`tests/[\w/]+\.py::", section), section.splitlines()[0]
