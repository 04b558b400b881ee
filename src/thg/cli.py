"""The ``thg`` command line.

Errors print one ``Error: ...`` line; exit code 1 for runtime failures, 2 for usage, 128 + the
signal's number for Ctrl-C, SIGTERM and SIGHUP (which all stop the work the same way: temporary
files and folders removed, no output). Library logs and numpy warnings are hidden unless
``--verbose`` is given (to the group or to any command), which also shows the traceback of an
unexpected error. Each command group lives beside the code it drives and is registered in
:data:`COMMANDS`.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import signal
import sys
import warnings
from collections.abc import Iterator

import click

from thg import __version__
from thg.errors import ThgError
from thg.stop import stop_signals_to

#: command name -> "module:attribute" of its click command; imported only when run.
COMMANDS: dict[str, str] = {
    "generate": "thg.generate_cli:generate",
    "demo": "thg.generate_cli:demo",
    "batch": "thg.batch:batch",
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

VERBOSE_ENV = "THG_VERBOSE"


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread by a stop signal, so that every ``finally`` and ``with`` runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum, frame) -> None:
    raise Interrupted(signum)


def verbose() -> bool:
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


def _set_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta.setdefault("thg.verbose_before", os.environ.get(VERBOSE_ENV))  # restored after the run
        os.environ[VERBOSE_ENV] = "1"
        warnings.simplefilter("default")
        import numpy as np

        np.seterr(all="warn", under="ignore")   # underflow (a Gaussian's tail rounding to 0) is no news


def _restore_verbose(ctx: click.Context) -> None:
    if "thg.verbose_before" in ctx.meta:
        before = ctx.meta.pop("thg.verbose_before")
        if before is None:
            os.environ.pop(VERBOSE_ENV, None)
        else:
            os.environ[VERBOSE_ENV] = before


def _verbose_option() -> click.Option:
    return click.Option(["--verbose"], is_flag=True, expose_value=False, is_eager=True, callback=_set_verbose,
                        help="Show library logs, warnings and the traceback of an unexpected error.")


def _with_verbose(command: click.Command) -> click.Command:
    """Give ``command`` (and, for a group, every subcommand) a ``--verbose`` flag; without it the
    native libraries' log lines are filtered from stderr from the moment the command starts."""
    if not any(p.name == "verbose" for p in command.params):
        command.params.append(_verbose_option())
        callback = command.callback
        if callback is not None:
            @functools.wraps(callback)
            def run(*args, **kwargs):
                if not verbose():
                    from thg.features.face import _filter_native_logs

                    _filter_native_logs()
                return callback(*args, **kwargs)

            command.callback = run
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_verbose(sub)
    return command


@contextlib.contextmanager
def _quiet_warnings() -> Iterator[None]:
    """numpy floating-point warnings and Python warnings are not for users (``--verbose`` turns
    them back on inside the block)."""
    import numpy as np

    with warnings.catch_warnings(), np.errstate(all="warn" if verbose() else "ignore", under="ignore"):
        warnings.simplefilter("default" if verbose() else "ignore")
        yield


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, and that turns every error into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module, attr = COMMANDS[name].split(":")
            return _with_verbose(getattr(importlib.import_module(module), attr))
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            # SIGINT, SIGTERM and SIGHUP raise Interrupted while the command runs (main thread only)
            with stop_signals_to(_raise_interrupted), _quiet_warnings():
                return super().invoke(ctx)
        except ThgError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)
        except Interrupted as e:
            name = signal.Signals(e.signum).name
            click.echo(f"Error: stopped by {name}; no output was written", err=True)
            ctx.exit(128 + e.signum)
        except KeyboardInterrupt:
            click.echo("Error: interrupted; no output was written", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            with contextlib.suppress(OSError):
                sys.stdout = open(os.devnull, "w")  # nothing more can reach the closed pipe
            click.echo("Error: the program reading the output closed the pipe", err=True)
            ctx.exit(1)
        except MemoryError:
            click.echo("Error: out of memory; use a smaller input (photo, --size) or a shorter clip", err=True)
            ctx.exit(1)
        except Exception as e:
            if verbose():
                raise
            click.echo(f"Error: unexpected internal error ({type(e).__name__}: {str(e)[:200]}); "
                       f"this is a bug in thg: run again with --verbose and report the traceback", err=True)
            ctx.exit(1)
        finally:
            if ctx.parent is None:
                _restore_verbose(ctx)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="thg")
def main() -> None:
    """Talking heads from one portrait, on a plain CPU."""


main.params.append(_verbose_option())


if __name__ == "__main__":
    sys.exit(main())
