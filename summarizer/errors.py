"""One exception root. The library raises these; only the CLI turns them into messages."""

from __future__ import annotations


class SummarizerError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code = 1


class InputError(SummarizerError):
    """The article cannot be read as a news article."""

    exit_code = 3


class MissingInput(InputError):
    pass


class EmptyInput(InputError):
    pass


class BinaryInput(InputError):
    pass


class NotUtf8(InputError):
    pass


class InputTooLarge(InputError):
    pass


class UnreadableInput(InputError):
    """The file is there but reading it failed: permissions, a device error."""


class NotAnArticle(InputError):
    pass


class ModelError(SummarizerError):
    """The model cannot be found, loaded or run."""

    exit_code = 4


class TemplateError(SummarizerError):
    """A prompt template is missing or does not render."""

    exit_code = 5


class ConfigError(SummarizerError):
    exit_code = 2


class OutputError(SummarizerError):
    """The output cannot be written: disk full, no such folder, not writable, or locked by
    another batch run."""

    exit_code = 6
