"""Routing of cases between units (hoja de ruta): the acts on a case, delegation, the inboxes
and the case page. Who may see and act is decided in :mod:`sgd_app.domain.access`."""

from sgd_app.domain.access import (
    ACTING_ROLES,
    NOT_FOUND,
    acting_roles,
    allowed_actions,
    can_view,
    document_for,
    get_case,
    visible_unit_ids,
)
from sgd_app.domain.documents import MAX_ANNEX_BYTES
from sgd_app.domain.routing.actions import (
    accumulate,
    add_annex,
    add_note,
    archive,
    attend,
    derive,
    receive,
    return_case,
    set_priority,
)
from sgd_app.domain.routing.bulk import MAX_CASES as BULK_MAX_CASES
from sgd_app.domain.routing.bulk import BulkInput, BulkResult, bulk, destinations, matching_numbers
from sgd_app.domain.routing.case_view import ACTION_LABELS, CaseView, case_view, labelled_fields
from sgd_app.domain.routing.copies import mark_copy_read, unread_copies
from sgd_app.domain.routing.delegation import active_units, delegate, delegations_of, revoke_delegation, unit_members
from sgd_app.domain.routing.desk import (
    DeskPanel,
    ProcedureChoice,
    desk_panel,
    desk_unit_id,
    procedure_choices,
    reclassify,
)
from sgd_app.domain.routing.inbox import (
    TABS,
    InboxFilters,
    InboxPage,
    InboxRow,
    expiring_soon,
    expiring_soon_by_user,
    inbox,
    traffic_light,
    unit_inbox,
)
from sgd_app.domain.routing.rules import DEFAULT_STEP_DAYS, STALE, _bump, _ensure, _load, _record, today_lima
from sgd_app.domain.vocabulary import PRIORITY_LABELS, STATUS_LABELS

__all__ = [
    "ACTING_ROLES",
    "ACTION_LABELS",
    "BULK_MAX_CASES",
    "DEFAULT_STEP_DAYS",
    "MAX_ANNEX_BYTES",
    "NOT_FOUND",
    "PRIORITY_LABELS",
    "STALE",
    "STATUS_LABELS",
    "TABS",
    "BulkInput",
    "BulkResult",
    "CaseView",
    "DeskPanel",
    "InboxFilters",
    "InboxPage",
    "InboxRow",
    "ProcedureChoice",
    "_bump",
    "_ensure",
    "_load",
    "_record",
    "accumulate",
    "acting_roles",
    "active_units",
    "add_annex",
    "add_note",
    "allowed_actions",
    "archive",
    "attend",
    "bulk",
    "can_view",
    "case_view",
    "delegate",
    "delegations_of",
    "derive",
    "desk_panel",
    "desk_unit_id",
    "destinations",
    "document_for",
    "expiring_soon",
    "expiring_soon_by_user",
    "get_case",
    "inbox",
    "labelled_fields",
    "mark_copy_read",
    "matching_numbers",
    "procedure_choices",
    "receive",
    "reclassify",
    "return_case",
    "revoke_delegation",
    "set_priority",
    "today_lima",
    "traffic_light",
    "unit_inbox",
    "unit_members",
    "unread_copies",
    "visible_unit_ids",
]
