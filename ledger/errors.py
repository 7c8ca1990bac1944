"""One error hierarchy: every message says what to do next.

The CLI is the only place that turns these into exit codes; library code
raises them and never prints. As with Guild, an error exits 1; only a
command line the parser cannot read (an unknown option, a missing
argument) exits 2.
"""


class LedgerError(Exception):
    """A problem the user can fix; the message is the whole story: what is
    wrong (`problem`) and, where that is not plain from it, what to do
    (`advice`). They are kept apart for the command that is itself the
    advice: `ledger verify` does not send the user to `ledger verify`."""

    exit_code = 1

    def __init__(self, message: str, advice: str = "") -> None:
        assert message, "a LedgerError needs a message that says what to do"
        self.problem = message
        self.advice = advice
        super().__init__(f"{message}; {advice}" if advice else message)

    def said_by(self, command: str) -> str:
        """The message as `command` (`ledger verify`) says it itself:
        without advice to run that very command."""
        return self.problem if f"`{command}`" in self.advice else str(self)


class StoreError(LedgerError):
    """The event log or the blob store cannot be used as asked."""


class CorruptLogError(StoreError):
    """A sealed part of the log does not verify."""


class ConcurrencyError(StoreError):
    """An append stated an expected stream version that is no longer current."""


class EventError(LedgerError):
    """An event is malformed or of an unknown type."""


class RunRefError(LedgerError):
    """A run reference matches no run, or more than one."""


class ProjectError(LedgerError):
    """The project file or an operation in it cannot be used."""


class DependencyError(ProjectError):
    """A requirement of the run cannot be met (no run of the operation it
    needs, a missing file): the run fails."""


class FlagError(LedgerError):
    """A flag name or value is not accepted by the operation."""
