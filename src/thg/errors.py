"""The exceptions thg raises.

Every error a user can cause is a :class:`ThgError`. Its message is one line that names the input,
says what was wrong with it and how to fix it; the CLI prints it as ``Error: ...`` and exits 1
(runtime) or 2 (usage).

    ThgError
    ├── InputError          an input file or value cannot be used
    │   ├── NoFaceError     no face (or not the requested one) in a portrait or frame
    │   └── FaceTooSmallError / FaceAtEdgeError
    ├── OutputError         an output cannot be written (folder not writable, disk full)
    │   └── OutputExistsError  the output exists and overwriting was not asked for
    ├── BackendMissingError an optional dependency or model file is not installed
    └── PipelineError       a stage failed for a reason that is not the input's fault
"""

from __future__ import annotations


class ThgError(Exception):
    """Base class of every error thg raises on purpose."""

    exit_code = 1


class InputError(ThgError):
    """An input (file, text, value) cannot be used as given."""


class UsageError(InputError):
    """Arguments that contradict each other or are missing (CLI exit code 2)."""

    exit_code = 2


class NoFaceError(InputError):
    """No face was found, or not the one asked for."""


class FaceTooSmallError(InputError):
    """The face is too small to animate."""


class FaceAtEdgeError(InputError):
    """The face is cut by the image border."""


class OutputError(ThgError):
    """An output cannot be written: its folder is not writable or the disk is full."""


class OutputExistsError(OutputError):
    """The output file exists and ``overwrite`` was not given."""


class BackendMissingError(ThgError):
    """An optional package, program or weights file is missing."""


class PipelineError(ThgError):
    """A stage failed for a reason that is not the input's fault."""


__all__ = [
    "ThgError",
    "InputError",
    "UsageError",
    "NoFaceError",
    "FaceTooSmallError",
    "FaceAtEdgeError",
    "OutputError",
    "OutputExistsError",
    "BackendMissingError",
    "PipelineError",
]
