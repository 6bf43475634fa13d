"""Notebooks saved from JupyterLab as the project commits them: no outputs, counts or widget state.

``make lab`` starts JupyterLab with :func:`pre_save` as the contents manager's pre-save
hook (``--ContentsManager.pre_save_hook=forecast.pipeline.cleansave.pre_save``): every
notebook is written without outputs, execution counts, widget state or run-time cell
metadata, and with ``metadata.language_info`` reduced to the language's name, so a
notebook that was only run and saved is byte for byte what git holds and ``git status``
stays clean.  (The nbstripout git filter that ``make setup`` installs strips the same on
commit, but git still lists a saved notebook whose size changed as modified.)  The
outputs a reader wants are the runner's: ``compute-forecast run`` writes them to
``outputs/``.
"""

from __future__ import annotations

#: what nbstripout strips besides outputs and counts (its defaults)
EXTRA_KEYS = ("metadata.signature", "metadata.widgets", "cell.metadata.collapsed",
              "cell.metadata.ExecuteTime", "cell.metadata.execution",
              "cell.metadata.heading_collapsed", "cell.metadata.hidden", "cell.metadata.scrolled")


def strip(nb):
    """``nb`` (a notebook dict or NotebookNode, version 4) without outputs, execution counts,
    widget state and run-time metadata; cell ids kept.  Returns a NotebookNode."""
    import nbformat
    from nbstripout import strip_output

    nb = nbformat.from_dict(nb)
    nb = strip_output(nb, keep_output=False, keep_count=False, keep_id=True,
                      extra_keys=list(EXTRA_KEYS))
    info = nb.metadata.get("language_info")
    if isinstance(info, dict) and info.get("name"):  # the kernel adds version, mimetype...
        nb.metadata["language_info"] = {"name": info["name"]}
    return nb


def pre_save(model, path=None, contents_manager=None, **kwargs):
    """Jupyter server pre-save hook: strip a notebook model in place (other files untouched)."""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        model["content"] = strip(model["content"])
