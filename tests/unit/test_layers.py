"""The layers run one way: the API and the services never import the HTML pages (pitf.web)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PITF = Path(__file__).resolve().parents[2] / "pitf"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("layer", ["api", "services"])
def test_layer_never_imports_the_pages(layer):
    offenders = {}
    for path in sorted((PITF / layer).rglob("*.py")):
        pages = sorted(n for n in _imports(path) if n.split(".")[:2] == ["pitf", "web"])
        if pages:
            offenders[str(path.relative_to(PITF.parent))] = pages
    assert offenders == {}


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pitf.web import errors\n    import pitf.web.zones\n")
    assert {"pitf.web", "pitf.web.errors", "pitf.web.zones"} <= _imports(module)
