"""Typed errors. Each carries a message meant for the person using the app: no traceback needed."""

from __future__ import annotations


class ReviewError(Exception):
    """Base of every error the services raise on purpose. ``str(err)`` is a user-facing message."""


#: the ``reason`` codes of :class:`UnreadableDocument`; "unreadable" is the fallback for a failure
#: the parser did not foresee (logged, and never expected from any known kind of bad file)
UNREADABLE_REASONS = frozenset(
    {
        "not_zip",
        "truncated",
        "encrypted",
        "macro",
        "template",
        "not_word",
        "missing_part",
        "bad_xml",
        "empty",
        "too_large",
        "zip_bomb",
        "unsupported_type",
        "bad_encoding",
        "ambiguous",
        "too_complex",
        "unreadable",
    }
)


class UnreadableDocument(ReviewError):
    """An upload that cannot be read as a policy document (corrupt, encrypted, macro-enabled,
    empty, too large, not a supported format). Nothing is stored for it."""

    def __init__(self, message: str, *, filename: str | None = None, reason: str = "unreadable"):
        self.filename = filename
        #: a short machine-readable code, one of UNREADABLE_REASONS
        self.reason = reason
        super().__init__(message)


class FrameworkError(ReviewError):
    """A framework file that is malformed; the message names the file and the item."""


class NotFound(ReviewError):
    """A record that does not exist, or that the acting user may not know exists."""


class DocumentDamaged(NotFound):
    """A document whose stored file cannot be read: it is quarantined (listed for admins, with a
    re-check), and to everyone else it is simply not there, so the rest of the app keeps working."""


class PermissionDenied(ReviewError):
    """The acting user may not do this; the message says why in plain words."""


class TransitionRefused(ReviewError):
    """A workflow transition whose guard failed; the message names the reason."""


class LockHeld(ReviewError):
    """Someone else holds the review lock on this document."""


class ValidationFailed(ReviewError):
    """Input that breaks a rule (empty reason, unknown competency, duplicate username ...)."""


class AuthenticationFailed(ReviewError):
    """Wrong username or password, a deactivated account, or too many attempts."""


class StoreError(ReviewError):
    """The store cannot be opened or written (wrong schema version, unreadable file)."""
