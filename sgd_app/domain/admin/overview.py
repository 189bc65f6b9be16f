"""What the administration screen shows at once: the unit tree, the staff with their roles, the
catalogue and the non-working days, read in one session and refused to non-admins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from sgd_app.domain.admin.common import ensure_admin
from sgd_app.domain.admin.non_working_days import list_non_working_days
from sgd_app.domain.admin.procedures import list_procedures
from sgd_app.domain.admin.units import list_units_tree
from sgd_app.domain.admin.users import UserWithRoles, list_users
from sgd_app.domain.auth import Principal
from sgd_app.domain.models import NonWorkingDay, Procedure, Unit
from sgd_app.domain.transaction import query


@dataclass
class AdminOverview:
    units: list[tuple[Unit, int]]  # (unit, depth), parents before children
    users: list[UserWithRoles]
    procedures: list[tuple[Procedure, Unit | None]]
    non_working_days: list[NonWorkingDay]


@query
def overview(session: Session, *, actor: Principal) -> AdminOverview:
    """Everything the administration screen lists."""
    ensure_admin(actor, "ver la administración del sistema")
    return AdminOverview(
        units=list_units_tree(session),
        users=list_users(session),
        procedures=list_procedures(session),
        non_working_days=list_non_working_days(session),
    )
