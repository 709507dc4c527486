"""What each console role may see and do: one table, read by every page and the nav."""

from __future__ import annotations

from dataclasses import dataclass

# Things a role may do; a page or action names the one it needs.
MONITOR = "monitor"  # the live monitor and retrying failed jobs
CONVERSATIONS = "conversations"  # one phone's transcript, resending a result SMS
MESSAGES = "messages"  # the message log
SIMULATOR = "simulator"  # the phone simulator
REGISTRATIONS = "registrations"  # the registrations list and one application
PERSONAL_DATA = "personal_data"  # full names and phones in registrations, reveal on request
REVEAL = "reveal"  # national ID and pension number whole (audited)
CANCEL = "cancel"  # cancel an application
QUOTAS = "quotas"  # phases and quotas, read
EDIT_QUOTAS = "edit_quotas"  # change a quota or a phase's dates
EXPORTS = "exports"  # the bank export
USERS = "users"  # console users
AUDIT = "audit"  # the audit log
UNMASKED_MESSAGES = "unmasked_messages"  # phones and texts whole in transcripts and the log
SUPPORT = "support"  # the support inbox: read, assign, answer (staff: their association's)
REPORT = "report"  # the programme report (staff: their association's)
PAYMENTS = "payments"  # import the bank's payment results
NOTICES = "notices"  # broadcast an SMS to applicants (staff: their association's only)

STAFF_WORK = frozenset({REGISTRATIONS, PERSONAL_DATA, REVEAL, QUOTAS, EXPORTS, SUPPORT, REPORT})
HEAD_OFFICE_WORK = STAFF_WORK | {PAYMENTS}
OPERATOR_WORK = frozenset(
    {MONITOR, CONVERSATIONS, MESSAGES, SIMULATOR, REGISTRATIONS, QUOTAS, SUPPORT}
)


@dataclass(frozen=True)
class Role:
    """A role: what it may do, and whether its users belong to one association."""

    code: str
    permissions: frozenset[str]
    has_association: bool = False  # True: required and the user sees only that association


ROLE_TABLE: dict[str, Role] = {
    "staff": Role("staff", STAFF_WORK | {NOTICES}, has_association=True),
    "head_office": Role("head_office", HEAD_OFFICE_WORK),
    "operator": Role("operator", OPERATOR_WORK),
    "admin": Role(
        "admin",
        HEAD_OFFICE_WORK
        | OPERATOR_WORK
        | {CANCEL, EDIT_QUOTAS, USERS, AUDIT, UNMASKED_MESSAGES, NOTICES},
    ),
}
# The add-user form lists roles least privilege first; the first is its default.
FORM_ORDER = ("staff", "head_office", "operator", "admin")


def may(role: str, permission: str) -> bool:
    """True when `role` may do `permission`; an unknown role may do nothing."""
    found = ROLE_TABLE.get(role)
    return found is not None and permission in found.permissions


def needs_association(role: str) -> bool:
    found = ROLE_TABLE.get(role)
    return found is not None and found.has_association
