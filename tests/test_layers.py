"""Three layers, arrows one way: the core (``streetdash`` but ``streetdash.app``) imports neither
Streamlit nor the ETL; the ETL (``etl``) uses the core but never Streamlit; the app (``streetdash.app``,
``pages/``, ``dashboard.py``) uses the core. And no two files of the project import each other,
directly or round a longer circle."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import streetdash

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("streetdash", "etl", "bench")
APP = "streetdash.app"


def _modules(package: str) -> list[str]:
    """``package`` and its modules; for the core, without the app's package inside it."""
    root = ROOT / package
    names = [package]
    for info in pkgutil.walk_packages([str(root)], prefix=f"{package}."):
        if not info.name.endswith("__main__") and not _is_app(info.name):
            names.append(info.name)
    return names


def _is_app(name: str) -> bool:
    return name == APP or name.startswith(f"{APP}.") or name.startswith("pages/") or name == "dashboard"


def _layer(name: str) -> str:
    return "app" if _is_app(name) else name.split(".")[0]


def _imported_after(modules: list[str]) -> set[str]:
    """The modules loaded by importing ``modules`` in a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def _of(package: str, loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if m == package or m.startswith(f"{package}."))


def test_the_core_modules_are_found():
    names = _modules("streetdash")
    assert {"streetdash.metrics", "streetdash.schema", "streetdash.geo", "streetdash.filters"} <= set(names)
    assert Path(streetdash.__file__).parent == ROOT / "streetdash"


def test_core_and_etl_never_load_streamlit():
    loaded = _imported_after(_modules("streetdash") + _modules("etl"))
    assert _of("streamlit", loaded) == []


def test_core_never_loads_the_etl_or_the_app():
    loaded = _imported_after(_modules("streetdash"))
    assert _of("etl", loaded) == []
    assert _of(APP, loaded) == []


def test_the_report_command_loads_no_streamlit():
    # `python -m etl report` is a command-line tool: the report, the charts and the exports it uses are core.
    loaded = _imported_after(["etl.__main__", "streetdash.report", "streetdash.maps", "streetdash.export"])
    assert _of("streamlit", loaded) == []


# Import circles -------------------------------------------------------------------------------


def _project_files() -> dict[str, Path]:
    files = {}
    for package in PROJECT_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = path
    for path in [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]:
        files[f"{path.parent.name}/{path.stem}" if path.parent.name == "pages" else path.stem] = path
    return files


def _imports(path: Path, modules: set[str], name: str) -> set[str]:
    """Project modules ``path`` imports, at the top or inside a function (both make a circle)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            # the deepest project module the name refers to (``from a import b``: a.b if it is a module, else a)
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return result


def test_no_import_circle_between_project_files():
    files = _project_files()
    modules = set(files)
    graph = {name: _imports(path, modules, name) for name, path in files.items()}
    # A package's __init__ that re-exports its modules is not a circle with them: its modules import
    # each other, never the package.
    for name in graph:
        graph[name] = {
            t for t in graph[name] if not (t in files and files[t].name == "__init__.py" and name.startswith(f"{t}."))
        }
    assert _cycles(graph) == []


def test_core_files_do_not_import_the_etl_or_the_app():
    files = _project_files()
    modules = set(files)
    for name, path in files.items():
        if _layer(name) == "streetdash":
            wrong = {t for t in _imports(path, modules, name) if _layer(t) in ("etl", "app")}
            assert not wrong, f"{name} imports {wrong}"
        if _layer(name) == "etl":
            wrong = {t for t in _imports(path, modules, name) if _layer(t) == "app"}
            assert not wrong, f"{name} imports {wrong}"


def test_the_app_modules_are_where_the_app_is():
    names = {name for name in _project_files() if _is_app(name)}
    assert {"streetdash.app.ui", "streetdash.app.data", "streetdash.app.sidebar", "dashboard"} <= names


def test_pages_reach_the_etl_only_through_the_upload_module():
    """The app may load ledgers (the 导入台账 page), through one small module: no page and no other app
    module imports ``etl``."""
    files = _project_files()
    modules = set(files)
    for name, path in files.items():
        if _is_app(name) and name != "streetdash.app.uploads":
            wrong = {t for t in _imports(path, modules, name) if _layer(t) == "etl"}
            assert not wrong, f"{name} imports {wrong}"
