"""Every command explains itself with an example, and the README documents every command."""

from pathlib import Path

import click
import pytest

from monitor.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "monitor"):
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, path)
        else:
            yield path, command


ALL = list(commands(cli))


@pytest.mark.parametrize("path,command", ALL, ids=[p for p, _ in ALL])
def test_every_command_has_help_that_ends_with_an_example(path, command):
    assert command.help and "Example:" in command.help
    example = command.help.split("Example:")[1]
    assert path in example, f"the example of {path} should show {path} itself"


@pytest.mark.parametrize("path", [p for p, _ in ALL])
def test_every_command_is_in_the_readme(path):
    words = path.split()
    assert f"`{path}" in README or f"/ `{words[-1]}" in README, path
