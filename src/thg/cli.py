"""The ``thg`` command line.

Errors print one ``Error: ...`` line; exit code 1 for runtime failures, 2 for usage.
Each command group lives beside the code it drives and is registered in :data:`COMMANDS`.
"""

from __future__ import annotations

import importlib
import sys

import click

from thg import __version__
from thg.errors import ThgError

#: command name -> "module:attribute" of its click command; imported only when run.
COMMANDS: dict[str, str] = {
    "generate": "thg.generate_cli:generate",
    "demo": "thg.generate_cli:demo",
    "survey": "thg.survey.cli:survey",
    "eval": "thg.eval.cli:eval_group",
    "track": "thg.reenact.cli:track",
    "reenact": "thg.reenact.cli:reenact",
    "dub": "thg.dub.cli:dub",
    "encode": "thg.codec.cli:encode",
    "decode": "thg.codec.cli:decode",
    "serve": "thg.serve.cli:serve",
    "verify": "thg.post.verify_cli:verify",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, and that turns ThgError into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module, attr = COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ThgError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("Error: interrupted; no output was written", err=True)
            ctx.exit(130)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="thg")
def main() -> None:
    """Talking heads from one portrait, on a plain CPU."""


if __name__ == "__main__":
    sys.exit(main())
