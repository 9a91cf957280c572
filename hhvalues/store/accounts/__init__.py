"""The accounts room: console users and roles, password hashes, sessions and the cookie
handoff, sign-in throttling, the single sign-on allow-list.

Every change to an account is written to the audit log in the same transaction as the change.
"""

from hhvalues.store.accounts.sessions import (
    HANDOFF_SECONDS,
    IDLE_MINUTES,
    SESSION_HOURS,
    WRONG,
    CookieSession,
    check_session,
    issue_handoff,
    login,
    login_sso,
    logout,
    redeem_handoff,
    throttled_message,
)
from hhvalues.store.accounts.throttle import (
    ACCOUNT_RULE,
    AUDIT_EVERY,
    CLIENT_RULE,
    ThrottleRule,
)
from hhvalues.store.accounts.users import (
    MIN_PASSWORD,
    AuthError,
    ConsoleRole,
    ConsoleUser,
    UserInfo,
    add_user,
    allow_sso,
    check_password_strength,
    has_admin,
    hash_password,
    list_sso,
    list_users,
    revoke_sso,
    set_disabled,
    set_password,
    verify_password,
)

__all__ = [
    "ACCOUNT_RULE",
    "AUDIT_EVERY",
    "CLIENT_RULE",
    "HANDOFF_SECONDS",
    "IDLE_MINUTES",
    "MIN_PASSWORD",
    "SESSION_HOURS",
    "WRONG",
    "AuthError",
    "ConsoleRole",
    "ConsoleUser",
    "CookieSession",
    "ThrottleRule",
    "UserInfo",
    "add_user",
    "allow_sso",
    "check_password_strength",
    "check_session",
    "has_admin",
    "hash_password",
    "issue_handoff",
    "list_sso",
    "list_users",
    "login",
    "login_sso",
    "logout",
    "redeem_handoff",
    "revoke_sso",
    "set_disabled",
    "set_password",
    "throttled_message",
    "verify_password",
]
