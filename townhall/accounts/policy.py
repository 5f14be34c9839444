"""The access policy: every read of a protected record starts here.

A staff user's jurisdiction is the subtree of the units of the agencies they belong to. An
administrator sees everything. An inspector sees their jurisdiction but may not write. Anonymous
users see nothing. Each model gets a `<plural>_visible_to(user)` queryset and a
`<noun>_get_for_user(user, pk, write=...)` getter; other apps add theirs in their own
`selectors.py`, built on `jurisdiction_filter`.

A record outside the jurisdiction is "not found" (404), so its existence does not leak; a
record inside it that the user may not change is "forbidden" (403).
"""

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from townhall.core.statements import Statement
from townhall.units.models import Agency, Unit
from townhall.units.selectors import agency_with_id

from .models import Role, User


class AccessDenied(PermissionDenied):
    """The user may see the record but not change it."""


def _is_staff_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def membership_values(agency: str = "") -> tuple[str, str, str]:
    """What the policy reads of each of a user's agencies (unit path, id, active), as the
    `values_list()` names of a query reaching the agency by `agency` (a relation path ending
    in "__", or "" from Agency itself)."""
    return (f"{agency}unit__path", f"{agency}id", f"{agency}is_active")


_MEMBERSHIPS = Statement(
    lambda user_id: Agency.objects.filter(members=user_id).values_list(*membership_values())
)
"""The user's agencies, read once per request (core/statements.py) unless the query that read
the user brought them (`remember_memberships`)."""


def remember_memberships(user, rows) -> None:
    """Keep on `user` the memberships a query read along with the user: rows of
    `membership_values()` (a row of None values, from an outer join, is no membership). Saves
    the API a read per request: the bearer token's statement brings them (api/auth.py)."""
    rows = [row for row in rows if row[1] is not None]
    paths = sorted({path for path, _, active in rows if active})
    user._memberships = (paths, tuple(sorted({pk for _, pk, _ in rows})))


def _memberships(user) -> tuple[list[str], tuple[int, ...]]:
    """The unit paths of the user's active agencies and the ids of all of them (read once per
    user object)."""
    if getattr(user, "_memberships", None) is None:
        remember_memberships(user, _MEMBERSHIPS.rows(user.pk))
    return user._memberships


def jurisdiction_paths(user) -> list[str]:
    """The unit paths at the top of the user's jurisdiction: those of the user's active
    agencies."""
    if not _is_staff_user(user):
        return []
    return _memberships(user)[0]


def member_agency_ids(user) -> tuple[int, ...]:
    """The ids of every agency the user is a member of, active or not (the "agency"
    worklist's), in order."""
    if not _is_staff_user(user):
        return ()
    return _memberships(user)[1]


def sees_everything(user) -> bool:
    return _is_staff_user(user) and (user.is_superuser or user.role == Role.ADMINISTRATOR)


def scope_key(user) -> tuple:
    """What this policy's filters for `user` are made of: the key under which a query built
    with them may be kept compiled (core/statements.py)."""
    return (_is_staff_user(user), sees_everything(user), tuple(jurisdiction_paths(user)))


def jurisdiction_filter(user, unit_field: str) -> Q:
    """A Q keeping rows whose unit (reached by `unit_field`) lies in the user's jurisdiction."""
    return path_filter(user, f"{unit_field}__path")


def path_filter(user, path_field: str) -> Q:
    """A Q keeping rows whose unit path (the field `path_field`) lies in the jurisdiction."""
    if sees_everything(user):
        return Q()
    return paths_filter(jurisdiction_paths(user), path_field)


def paths_filter(paths: list[str], path_field: str) -> Q:
    """A Q keeping rows whose unit path (the field `path_field`) lies under one of `paths`
    (`path_filter` with the paths of a jurisdiction already read)."""
    if not paths:
        return Q(pk__in=[])
    # SQLite does not use an index for LIKE 'x%' (its LIKE ignores case): there the prefix is
    # the equivalent range [path, path with its last character raised), which uses one.
    as_range = connection.vendor == "sqlite"
    condition = Q()
    for path in paths:
        if as_range and path:
            after = path[:-1] + chr(ord(path[-1]) + 1)
            condition |= Q(**{f"{path_field}__gte": path, f"{path_field}__lt": after})
        else:
            condition |= Q(**{f"{path_field}__startswith": path})
    return condition


def path_under(path: str, paths: list[str]) -> bool:
    """`paths_filter`'s rule for one path already read: it lies under one of `paths`."""
    return path.startswith(tuple(paths))


def can_write(user) -> bool:
    return _is_staff_user(user) and not getattr(user, "is_read_only", True)


def get_for_user(queryset: QuerySet, pk, *, user, write: bool = False) -> Model:
    """Fetch one record from an already-scoped queryset, or 404; 403 on a forbidden write."""
    try:
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {queryset.model._meta.verbose_name} with id {pk}") from None
    if write and not can_write(user):
        raise AccessDenied("Your role may read this record but not change it.")
    return obj


# --- units ----------------------------------------------------------------------------------
def units_visible_to(user) -> QuerySet[Unit]:
    """Units are public reference data; staff lists may narrow with `units_in_jurisdiction`."""
    return Unit.objects.all()


def units_in_jurisdiction(user) -> QuerySet[Unit]:
    if sees_everything(user):
        return Unit.objects.all()
    paths = jurisdiction_paths(user)
    if not paths:
        return Unit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


# --- agencies -------------------------------------------------------------------------------
def agencies_visible_to(user) -> QuerySet[Agency]:
    return Agency.objects.filter(jurisdiction_filter(user, "unit")).select_related("unit")


def active_agency(user, pk: int) -> Agency | None:
    """The active agency `pk` if it lies in the user's jurisdiction (`agencies_visible_to`),
    with its unit; else None. The agency is read from those this process keeps
    (`units.selectors.agency_with_id`, reference data like the units); the jurisdiction is the
    user's, read for this request."""
    if not _is_staff_user(user):
        return None
    everything = sees_everything(user)
    paths = [] if everything else jurisdiction_paths(user)
    if not everything and not paths:
        return None
    agency = agency_with_id(pk) if 0 < pk < 2**63 else None
    if agency is None or not agency.is_active:
        return None
    if not everything and not path_under(agency.unit.path, paths):
        return None
    return agency


def agency_get_for_user(user, pk, *, write: bool = False) -> Agency:
    if write and not (sees_everything(user)):
        raise AccessDenied("Only an administrator changes agencies.")
    return get_for_user(agencies_visible_to(user), pk, user=user, write=write)


# --- users ----------------------------------------------------------------------------------
def users_visible_to(user) -> QuerySet[User]:
    """Colleagues whose agencies lie in the user's jurisdiction."""
    if sees_everything(user):
        return User.objects.all()
    if not _is_staff_user(user):
        return User.objects.none()
    return User.objects.filter(
        memberships__agency__in=agencies_visible_to(user).values("pk")
    ).distinct()
