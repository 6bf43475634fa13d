"""Saving a notebook in JupyterLab leaves ``git status`` clean.

``make lab`` saves notebooks through :func:`forecast.pipeline.cleansave.pre_save` (no outputs,
counts or widget state: the bytes git holds), and the set-up installs nbstripout as a git clean
filter (``make git-filter``, run by ``make setup`` and ``make lab``) so outputs never reach a
commit; a real edit still shows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"

pytestmark = [pytest.mark.slow,  # each git call through the filter starts Python
              pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None,
                                 reason="needs git and make")]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def shipped(rel: str) -> str:
    """The committed version of a file (not the work tree, which a user may have edited)."""
    return git(ROOT, "show", f"HEAD:{rel}")


@pytest.fixture
def clone(tmp_path) -> Path:
    """A repository holding the shipped .gitattributes and notebook 06, set up by the Makefile."""
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "test@example.org")
    git(repo, "config", "user.name", "test")
    for rel in (".gitattributes", ".gitignore"):  # .gitignore: Jupyter's checkpoints
        (repo / rel).write_text(shipped(rel))
    (repo / "notebooks" / "06_explore.ipynb").write_text(shipped("notebooks/06_explore.ipynb"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "shipped")
    done = subprocess.run(["make", "-f", str(ROOT / "Makefile"), "git-filter", f"VENV={VENV}"],
                          cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "nbstripout filter installed" in done.stdout
    return repo


def save_with_outputs(path: Path, *, edit: str | None = None) -> None:
    """What JupyterLab writes after running the notebook: outputs, counts, widget state."""
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for n, cell in enumerate(code, 1):
        cell["execution_count"] = n
        cell["outputs"] = [
            {"output_type": "stream", "name": "stdout", "text": [f"output of cell {n}\n"]},
            {"output_type": "display_data", "metadata": {},
             "data": {"text/plain": ["<Figure>"], "image/png": "iVBORw0KGgo="}}]
        cell["metadata"]["execution"] = {"iopub.status.busy": "2026-12-06T10:00:00Z"}
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {"abc": {"model_name": "FloatSliderModel", "state": {"value": 0.4}}},
        "version_major": 2, "version_minor": 0}}
    if edit is not None:
        code[0]["source"] = code[0]["source"] + [edit] if isinstance(code[0]["source"], list) \
            else code[0]["source"] + edit
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def test_outputs_saved_outside_the_lab_never_reach_a_commit(clone):
    path = clone / "notebooks" / "06_explore.ipynb"
    before = path.read_text()
    save_with_outputs(path)
    assert path.read_text() != before and '"output_type"' in path.read_text()  # outputs on disk
    assert git(clone, "diff") == ""  # git compares the stripped notebook
    # what git stores is the shipped, stripped notebook: no output, count or widget state
    git(clone, "add", "notebooks/06_explore.ipynb")
    stored = git(clone, "show", ":notebooks/06_explore.ipynb")
    assert stored == before
    assert '"output_type"' not in stored and "widget-state" not in stored


def lab_save(repo: Path, rel: str, *, edit: str | None = None) -> None:
    """Save ``rel`` as JupyterLab does under ``make lab``: a notebook model with outputs and
    widget state, through the contents manager with the pre-save hook the Makefile sets."""
    from jupyter_server.services.contents.filemanager import FileContentsManager

    save_with_outputs(repo / rel, edit=edit)
    cm = FileContentsManager(root_dir=str(repo), pre_save_hook=HOOK)
    model = cm.get(rel, content=True)
    assert model["content"]["cells"][1]["outputs"] or model["content"]["cells"][0]["outputs"]
    cm.save(model, rel)


HOOK = "forecast.pipeline.cleansave.pre_save"


def test_make_lab_saves_through_the_hook():
    done = subprocess.run(["make", "-n", "-C", str(ROOT), "lab"], capture_output=True, text=True)
    assert f"--ContentsManager.pre_save_hook={HOOK}" in done.stdout


@pytest.mark.parametrize("rel", ["notebooks/06_explore.ipynb"])
def test_a_notebook_saved_in_the_lab_leaves_git_status_clean(clone, rel):
    path = clone / rel
    before = path.read_text()
    lab_save(clone, rel)
    assert path.read_text() == before  # byte for byte the shipped notebook
    assert git(clone, "status", "--porcelain") == ""
    lab_save(clone, rel, edit="\n# a real change")
    assert git(clone, "status", "--porcelain").split() == ["M", rel]
    assert "# a real change" in git(clone, "diff") and "output of cell" not in git(clone, "diff")


def test_a_real_edit_still_shows(clone):
    path = clone / "notebooks" / "06_explore.ipynb"
    save_with_outputs(path, edit="\n# a real change")
    assert git(clone, "status", "--porcelain").split() == ["M", "notebooks/06_explore.ipynb"]
    diff = git(clone, "diff")
    assert "+    \"# a real change\"" in diff or "# a real change" in diff
    assert "output of cell" not in diff


def test_the_shipped_notebooks_are_already_stripped(tmp_path):
    """The filter must not rewrite the committed notebooks (cell ids kept: --keep-id)."""
    shipped_files = {}
    for n, rel in enumerate(git(ROOT, "ls-files", "*.ipynb").split()):
        shipped_files[rel] = tmp_path / f"{n}.ipynb"
        shipped_files[rel].write_text(shipped(rel))
    assert len(shipped_files) >= 6
    subprocess.run([str(VENV / "bin" / "nbstripout"), "--keep-id",
                    *map(str, shipped_files.values())], check=True)  # in place, one process
    for rel, path in shipped_files.items():
        assert path.read_text() == shipped(rel), rel
