"""Domain errors. Interfaces translate them once: pages show ``str(e)``, the CLI prints ``Error: ...``."""


class FeedbackError(Exception):
    """Base class of every error a user can cause and fix."""


class NotFound(FeedbackError):
    """A project, item, user or annotation that was asked for does not exist."""


class PermissionDenied(FeedbackError):
    """The acting user may not do this."""


class InvalidAnswer(FeedbackError):
    """A submitted annotation does not fit the project's questions."""


class ExportError(FeedbackError):
    """A dataset could not be exported as asked (bad format, no rows, bad row)."""


class ImportRejected(FeedbackError):
    """An input file has invalid lines; nothing was written. ``problems`` lists each one."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []


class SignInFailed(FeedbackError):
    """A name and password did not match an active account (the message never says which part was wrong)."""
