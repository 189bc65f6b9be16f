"""Administration: units (as a tree), staff accounts and their roles, the procedure catalogue and
the institution's non-working days. Plain Python: never imports reflex.

Every act checks that the actor is an administrator, validates with Spanish messages per field,
writes, and records an audit event. Called with a session it joins the caller's transaction;
called without one it opens its own write transaction (``domain/transaction.py``).
"""

from __future__ import annotations

from sgd_app.domain.admin.common import KINDS, ensure_admin
from sgd_app.domain.admin.non_working_days import add_non_working_day, list_non_working_days, remove_non_working_day
from sgd_app.domain.admin.overview import AdminOverview, overview
from sgd_app.domain.admin.procedures import (
    create_procedure,
    format_field_lines,
    get_procedure,
    list_procedures,
    parse_annex_lines,
    parse_field_lines,
    procedure_to_edit,
    update_procedure,
)
from sgd_app.domain.admin.templates import (
    TemplateRow,
    create_template,
    list_templates,
    set_template_active,
    template_to_edit,
    update_template,
)
from sgd_app.domain.admin.units import (
    UnitToEdit,
    close_unit,
    create_unit,
    descendant_ids,
    get_unit,
    list_units_tree,
    open_cases_count,
    reopen_unit,
    unit_to_edit,
    update_unit,
)
from sgd_app.domain.admin.users import (
    UserWithRoles,
    create_user,
    get_user,
    list_users,
    lock_notice,
    reset_password,
    set_active,
    set_memberships,
    unlock,
    user_to_edit,
)
from sgd_app.domain.vocabulary import CATEGORY_LABELS, today_lima

__all__ = [
    "CATEGORY_LABELS",
    "KINDS",
    "AdminOverview",
    "TemplateRow",
    "UnitToEdit",
    "UserWithRoles",
    "add_non_working_day",
    "close_unit",
    "create_procedure",
    "create_template",
    "create_unit",
    "create_user",
    "descendant_ids",
    "ensure_admin",
    "format_field_lines",
    "get_procedure",
    "get_unit",
    "get_user",
    "list_non_working_days",
    "list_procedures",
    "list_templates",
    "list_units_tree",
    "list_users",
    "lock_notice",
    "open_cases_count",
    "overview",
    "parse_annex_lines",
    "parse_field_lines",
    "procedure_to_edit",
    "remove_non_working_day",
    "reopen_unit",
    "reset_password",
    "set_active",
    "set_memberships",
    "set_template_active",
    "template_to_edit",
    "today_lima",
    "unit_to_edit",
    "unlock",
    "update_procedure",
    "update_template",
    "update_unit",
    "user_to_edit",
]
