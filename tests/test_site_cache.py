"""The index's cached sections are rebuilt when any module of the library changes.

They used to be keyed on a hand-kept list of five source files, so a change of chart style
(present/style.py), of the history or of the units left cached sections stale.
"""

from forecast.pipeline import runcache
from forecast.pipeline.site import sections


def test_a_change_anywhere_in_the_library_rebuilds_a_cached_section(tmp_path, monkeypatch):
    source = tmp_path / "input.csv"
    source.write_text("a\n1\n")
    builds = []

    def build():
        builds.append(1)
        return f"<p>built {len(builds)}</p>"

    monkeypatch.setattr(runcache, "library_fingerprint", lambda: "library v1")
    assert sections.cached(tmp_path, "s", [source], build) == "<p>built 1</p>"
    assert sections.cached(tmp_path, "s", [source], build) == "<p>built 1</p>"  # reused
    monkeypatch.setattr(runcache, "library_fingerprint", lambda: "library v2")  # e.g. style.py
    assert sections.cached(tmp_path, "s", [source], build) == "<p>built 2</p>"


def test_the_fingerprint_reads_every_module_of_every_subpackage(monkeypatch):
    from pathlib import Path

    import forecast

    package = Path(forecast.__file__).resolve().parent
    read, original = [], Path.read_bytes

    def recording(self):
        read.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", recording)
    runcache.library_fingerprint()
    expected = {p for p in package.rglob("*.py") if "__pycache__" not in p.parts}
    assert {p.resolve() for p in read} == expected
    assert package / "present" / "style.py" in expected
