"""mkdocs hook: fill ``<!-- recsys-cli-help -->`` in cli.md with the live ``--help`` of every ``recsys`` command.

Generated at build time from the Typer app, so the reference cannot drift from the code.
"""

from __future__ import annotations

import os
import re
from typing import Any

MARKER = "<!-- recsys-cli-help -->"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _help(args: list[str]) -> str:
    from typer.testing import CliRunner

    from recsys_core.cli import app

    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "100", "TERMINAL_WIDTH": "100", "NO_COLOR": "1"})
    if result.exit_code != 0:
        raise RuntimeError(f"recsys {' '.join(args)} --help failed: {result.output}")
    return ANSI.sub("", result.output).rstrip()


def _commands() -> list[str]:
    import typer.main

    from recsys_core.cli import app

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def render() -> str:
    """The Markdown of the whole reference: ``recsys --help``, then one section per command."""
    parts = ["## recsys\n", f"```text\n{_help([])}\n```\n"]
    for name in _commands():
        parts += [f"## recsys {name}\n", f"```text\n{_help([name])}\n```\n"]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if MARKER not in markdown:
        return markdown
    os.environ.setdefault("COLUMNS", "100")
    return markdown.replace(MARKER, render())
