"""The package's layers: each module imports only its own layer and the layers below it.

foundation < data < models < scenarios < analysis < present < pipeline < facade (``forecast``,
``cli``). Every import statement counts, including those inside functions (the lazy ones),
and ``from forecast import x`` is resolved through the facade to the module it names.
"""

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import setuptools

import forecast

PACKAGE = Path(forecast.__file__).resolve().parent
LAYERS = ["foundation", "data", "models", "scenarios", "analysis", "present", "pipeline", "facade"]
RANK = {name: i for i, name in enumerate(LAYERS)}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("cli", "__main__"):
        return "facade"
    if parts[1] in RANK:
        return parts[1]
    return "foundation"


def is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def resolve(source: str, node: ast.AST) -> list[str]:
    """The forecast modules an import statement of ``source`` loads (facade names resolved)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "forecast"]
    if node.level:  # relative: from . import x / from .m import x
        base = source.split(".")
        is_package = (PACKAGE.parent / Path(*base) / "__init__.py").is_file()
        base = base[:len(base) - node.level + (1 if is_package else 0)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module
    if target is None or target.split(".")[0] != "forecast":
        return []
    found = []
    for alias in node.names:
        if target == "forecast":
            found.append(forecast.TOPICS.get(alias.name)
                         or forecast._EXPORTS.get(alias.name)
                         or ("forecast._version" if alias.name == "__version__"
                             else f"forecast.{alias.name}"))
        elif is_module(f"{target}.{alias.name}"):
            found.append(f"{target}.{alias.name}")
        else:
            found.append(target)
    return found


def imports_of(path: Path) -> list[tuple[int, str]]:
    source = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [(node.lineno, target) for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom)) for target in resolve(source, node)]


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_package_has_its_layers():
    found = {layer(module_name(p)) for p in MODULES}
    assert found == set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path):
    own = layer(module_name(path))
    upward = [f"line {line}: {target} ({layer(target)})" for line, target in imports_of(path)
              if RANK[layer(target)] > RANK[own]]
    assert upward == [], f"{path.relative_to(PACKAGE)} ({own}) imports upward"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_import_names_a_real_module(path):
    missing = [f"line {line}: {target}" for line, target in imports_of(path)
               if not is_module(target)]
    assert missing == []


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    fake = PACKAGE / "data" / "x.py"
    tree = ast.parse("def f():\n    from forecast import plots\n    from forecast.pipeline import runner\n")
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    targets = [t for n in nodes for t in resolve(module_name(fake), n)]
    assert targets == ["forecast.present.plots", "forecast.pipeline.runner"]
    assert [layer(t) for t in targets] == ["present", "pipeline"]
    assert resolve("forecast.present.explore", ast.parse("from . import plots").body[0]) == [
        "forecast.present.plots"]


def test_every_folder_of_the_package_is_a_package_and_goes_into_the_wheel():
    folders = {p.parent for p in MODULES}
    assert all((f / "__init__.py").is_file() for f in folders), "a folder without __init__.py"
    expected = {".".join(f.relative_to(PACKAGE.parent).parts) for f in folders}
    # the same discovery as pyproject.toml's [tool.setuptools.packages.find]
    assert set(setuptools.find_packages(str(PACKAGE.parent), include=["forecast*"])) == expected


def test_importing_the_facades_loads_none_of_the_heavy_stack():
    code = ("import sys\nimport forecast, forecast.data, forecast.models, forecast.scenarios, "
            "forecast.analysis, forecast.present, forecast.pipeline, forecast.pipeline.site, "
            "forecast.pipeline.sweep, forecast.cli\n"
            "print(','.join(m for m in ('numpy', 'pandas', 'matplotlib', 'scipy', 'statsmodels', "
            "'nbformat', 'yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
