"""The one exception family of hhvalues.

HHValuesError(message, where=None)     str() -> "where: message"
 ├── InputError                        user data is wrong; the CLI exits 2, the UI shows it
 │    ├── BankError                    a bank file, item or probe
 │    ├── AnswersError                 an answers file and line
 │    ├── ConditionsError              a conditions file and key
 │    └── LinkError                    a participant link (token, study)
 ├── NotFoundError                     a study, participant, bank or item does not exist
 ├── StoreError                        the database cannot be reached or refused a write
 ├── ProviderError                     a model provider failed after retries
 └── MissingExtraError                 an optional dependency is not installed
"""

from __future__ import annotations


class HHValuesError(Exception):
    """Base of every error the CLI and the UI report as one readable line."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(HHValuesError):
    """User-supplied data is malformed or inconsistent."""


class BankError(InputError):
    """A bank file, item or probe is invalid."""


class AnswersError(InputError):
    """An answers file has a bad line."""


class ConditionsError(InputError):
    """A model-conditions file is invalid."""


class LinkError(InputError):
    """A participant link is unknown, used up, closed or tampered with.

    ``closed``: the link is good but its study has closed; ``contact``: how the study says to
    reach its researcher, when the refusal knows the study (the page shows both)."""

    def __init__(
        self, message: str, *, where: str | None = None, closed: bool = False, contact: str = ""
    ) -> None:
        super().__init__(message, where=where)
        self.closed = closed
        self.contact = contact


class NotFoundError(HHValuesError):
    """A named study, participant, bank or item does not exist."""


class StoreError(HHValuesError):
    """The database cannot be reached or refused a write."""


class ProviderError(HHValuesError):
    """A model provider call failed after retries."""

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        status: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message, where=where)
        self.status = status
        self.retryable = retryable


class MissingExtraError(HHValuesError):
    """An optional extra is needed; the message gives the pip line."""

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(f"{feature} needs an optional dependency: pip install 'hhvalues[{extra}]'")
        self.feature = feature
        self.extra = extra


__all__ = [
    "AnswersError",
    "BankError",
    "ConditionsError",
    "HHValuesError",
    "InputError",
    "LinkError",
    "MissingExtraError",
    "NotFoundError",
    "ProviderError",
    "StoreError",
]
