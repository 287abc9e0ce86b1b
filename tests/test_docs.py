"""Meta-tests of the docs (cheap; ``make docs`` does the strict mkdocs build): every hook is documented."""

import inspect
import re
from pathlib import Path

import pytest

from recsys_core import hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HOOKS = sorted(name for name, fn in vars(hookspecs).items()
               if name.startswith("recsys_") and callable(fn) and hasattr(fn, "recsys_spec"))


def test_hookspecs_are_found():
    assert {"recsys_backends", "recsys_models", "recsys_datasets", "recsys_metrics"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_in_the_plugin_guide_with_its_signature(hook):
    params = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"`{hook}({params})`" in (DOCS / "plugins.md").read_text(), f"document {hook}({params}) in docs/plugins.md"


def test_nav_pages_and_snippets_exist():
    config = (ROOT / "mkdocs.yml").read_text()
    pages = re.findall(r"^\s+- [^:]+: (\S+\.md)$", config, flags=re.MULTILINE)
    assert {"index.md", "tutorial.md", "plugins.md", "cli.md", "api.md", "parity.md", "benchmarks.md"} <= set(pages)
    for page in pages:
        assert (DOCS / page).is_file(), page
    for snippet in re.findall(r'--8<-- "([^"]+)"', (DOCS / "plugins.md").read_text()):
        assert (ROOT / snippet).is_file(), snippet
