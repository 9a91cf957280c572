"""What a participant reads when an operation fails, and what the server log keeps of it.

A participant never reads a database's own words (a host and port, a file name, "attempt to
write a readonly database"): a :class:`~hhvalues.errors.StoreError` becomes one plain sentence,
and the detail goes to the server log under the participant's hashed token, so an operator can
find the participant without the log holding a working link. An
:class:`~hhvalues.errors.InputError` is our own wording about what the participant did (a
missing answer, a closed study) and is shown as it is.
"""

from __future__ import annotations

import logging

from hhvalues.errors import HHValuesError, InputError, StoreError
from hhvalues.store.studies import hash_token
from hhvalues.ui import state

UNAVAILABLE = "the study's server is briefly unavailable. Please try again in a moment"
"""The participant's words for any failure that is not about what they did."""

_log = logging.getLogger("hhvalues.participant")


def install_log_handler() -> None:
    """Send the package's log (INFO and up) to the server's stderr, timestamped like
    Streamlit's own lines (once per process; Streamlit configures only its own loggers)."""
    root = logging.getLogger("hhvalues")
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def token_ref(token: object) -> str:
    """How the log names a participant: the first 16 hex digits of the token's stored hash."""
    if not isinstance(token, str) or not token:
        return "-"
    return hash_token(token[:256])[:16]


def reason(exc: HHValuesError, token: object, what: str) -> str:
    """Why ``what`` failed, in words for the participant; anything but an InputError is
    logged with its detail (and the participant's hashed token) and worded as
    :data:`UNAVAILABLE`."""
    if isinstance(exc, InputError):
        return exc.message
    log_failure(exc, token, what)
    return UNAVAILABLE


def notice(exc: HHValuesError, token: object, what: str, *, lead: str = "") -> None:
    """Show the participant why ``what`` failed on the next run (a one-shot error notice),
    after ``lead`` (e.g. "Your answer could not be saved: ")."""
    state.set_notice("error", sentence(lead + reason(exc, token, what)))


def log_failure(exc: BaseException, token: object, what: str) -> None:
    """Write a participant's failed operation to the server log: the database being away is
    an operational state (one line with its detail), anything else a bug (with traceback)."""
    if isinstance(exc, StoreError):
        _log.warning("%s failed (participant %s): %s", what, token_ref(token), exc)
    else:
        _log.error("%s failed (participant %s)", what, token_ref(token), exc_info=exc)


def sentence(message: str) -> str:
    """A message as a sentence: capital first letter, full stop at the end."""
    message = message.strip()
    if not message:
        return message
    return message[0].upper() + message[1:] + ("" if message.endswith((".", "!", "?")) else ".")


__all__ = [
    "UNAVAILABLE",
    "install_log_handler",
    "log_failure",
    "notice",
    "reason",
    "sentence",
    "token_ref",
]
