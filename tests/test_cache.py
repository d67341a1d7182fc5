"""The one store of derived results (wscb_analysis/cache.py): keyed by inputs and by the code
found by reading imports, and never serving bytes that do not match their digest."""

from __future__ import annotations

import textwrap

import pytest

from wscb_analysis import cache, config


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package ``pkg`` of its own: ``a`` imports ``b`` inside a function (a lazy import),
    ``b`` imports ``c`` relatively, ``d`` is imported by no one."""
    root = tmp_path / "pkg"
    root.mkdir()
    files = {
        "__init__.py": "",
        "a.py": "def f():\n    from .b import g\n    return g()\n",
        "b.py": "from . import c\n\ndef g():\n    return c.VALUE\n",
        "c.py": "VALUE = 1\n",
        "d.py": "VALUE = 2\n",
    }
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    monkeypatch.setattr(cache, "_ROOT", root)
    monkeypatch.setattr(cache, "PACKAGE", "pkg")
    cache._code_modules.cache_clear()
    cache.code_digest.cache_clear()
    yield root
    cache._code_modules.cache_clear()
    cache.code_digest.cache_clear()


def test_the_code_a_result_depends_on_is_found_through_imports(package):
    # "from . import c" runs the package's own __init__ too.
    assert cache.code_modules("pkg.a") == ("pkg", "pkg.a", "pkg.b", "pkg.c")
    before = cache.code_digest("pkg.a")
    (package / "d.py").write_text("VALUE = 3\n")  # imported by no one: same key
    cache.code_digest.cache_clear()
    assert cache.code_digest("pkg.a") == before
    (package / "c.py").write_text("VALUE = 4\n")  # two imports away, one of them lazy
    cache.code_digest.cache_clear()
    assert cache.code_digest("pkg.a") != before


def test_the_plan_key_covers_the_modules_the_old_hand_kept_list_missed():
    # The plan counts what coverage.py says a source holds and labels periods with
    # periods.py; a list of files kept by hand left both out, so a change there reused a
    # stale plan.
    modules = set(cache.code_modules("wscb_analysis.disclosure.counts"))
    assert {"wscb_analysis.coverage", "wscb_analysis.periods", "wscb_analysis.io.load",
            "wscb_analysis.metrics.referrals", "wscb_analysis.disclosure.suppress",
            "wscb_analysis.disclosure.measures", "wscb_analysis.figures"} <= modules


def test_a_saved_value_is_read_back_and_tampered_bytes_are_not(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "PROCESSED_DIR", tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return {"referrals": 1700}

    assert cache.cached("things", "wscb_analysis.periods", ("2016-17",), compute) == {
        "referrals": 1700}
    assert cache.cached("things", "wscb_analysis.periods", ("2016-17",), compute) == {
        "referrals": 1700}
    assert len(calls) == 1  # the second came from the store
    (path,) = (tmp_path / "things").glob("*.pickle")
    data = bytearray(path.read_bytes())
    data[-2] ^= 0xFF  # one byte of the value changed behind the store's back
    path.write_bytes(bytes(data))
    assert cache.load(path) is None
    assert cache.cached("things", "wscb_analysis.periods", ("2016-17",), compute) == {
        "referrals": 1700}
    assert len(calls) == 2  # derived afresh
    # Another input is another key.
    cache.cached("things", "wscb_analysis.periods", ("2017-18",), compute)
    assert len(calls) == 3


def test_a_value_the_caller_does_not_accept_is_derived_afresh(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "PROCESSED_DIR", tmp_path)
    cache.save(cache.path_for("plans", cache.key("plans", "wscb_analysis.periods", (1,))),
               "not a plan")
    got = cache.cached("plans", "wscb_analysis.periods", (1,), lambda: 42,
                       accept=lambda v: isinstance(v, int))
    assert got == 42


def test_an_entry_written_by_someone_without_the_users_key_is_not_read(tmp_path, monkeypatch):
    # Whoever can write the processed folder but not read the user's key file cannot plant a
    # value: an entry carrying another key's digest, or none, is derived afresh.
    monkeypatch.setattr(config, "PROCESSED_DIR", tmp_path / "processed")
    monkeypatch.setattr(cache, "KEY_FILE", tmp_path / "mine" / "cache-key")
    path = cache.path_for("plans", cache.key("plans", "wscb_analysis.periods", (1,)))
    monkeypatch.setattr(cache, "KEY_FILE", tmp_path / "theirs" / "cache-key")
    cache.save(path, "planted")  # signed with their key
    assert cache.load(path) == "planted"  # they could read it back themselves ...
    monkeypatch.setattr(cache, "KEY_FILE", tmp_path / "mine" / "cache-key")
    assert cache.load(path) is None  # ... but the user's run does not
    assert cache.cached("plans", "wscb_analysis.periods", (1,), lambda: "derived") == "derived"
    monkeypatch.setattr(cache, "KEY_FILE", None)  # no key at all (no home directory)
    cache.save(path, "unkeyed")
    assert cache.load(path) is None  # an unkeyed digest anyone could have written
