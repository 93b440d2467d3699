"""Entra ID directory: users, groups, members, transitive members (facts §2.5, §9; Graph docs
``user-list``, ``user-get``, ``group-list``, ``group-get``, ``group-list-members``,
``group-list-transitivemembers``).

Users need a User.Read.All-class permission, groups and memberships GroupMember.Read.All-class;
without one the answer is 403 ``Authorization_RequestDenied``. Unknown ids give 404
``Request_ResourceNotFound`` (raised by the tenant). Member lists are ``directoryObject``s, each with
its ``@odata.type``. Like Graph, a user's default properties exclude ``userType`` — ask with
``$select`` (filtering on it works regardless).

Cost: Entra requests are not priced in SharePoint resource units — the identity service has its own
budget (transitiveMembers = 5 of *its* units, facts §2.5). The sandbox has one meter, so each
directory call is charged 1 RU there; budget tests should not read directory RU as SharePoint RU.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from m365_compliance.sandbox.http import access
from m365_compliance.sandbox.http.filters import eq_filter
from m365_compliance.sandbox.http.odata import project
from m365_compliance.sandbox.http.paging import DIRECTORY_PAGE, collection
from m365_compliance.sandbox.http.routing import ROUTES, GraphRequest, GraphResponse, ok
from m365_compliance.sandbox.model import Group, User
from m365_compliance.sandbox.tenant import Tenant

#: The properties Graph v1.0 returns for a user without ``$select`` (docs ``user-list``).
USER_DEFAULT_PROPERTIES = ("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                           "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id")
_USER_FILTERS = ("mail", "userPrincipalName", "userType")
_GROUP_FILTERS = ("mail", "displayName")
_NOT_SUPPORTED = "Request_UnsupportedQuery"


def user_json(user: User, *, selected: bool = False) -> dict[str, Any]:
    """All properties the sandbox knows; without ``selected`` only Graph's default set."""
    full: dict[str, Any] = {
        "id": user.id,
        "displayName": user.display_name,
        "givenName": None,
        "surname": None,
        "mail": user.mail,
        "userPrincipalName": user.user_principal_name,
        "userType": user.user_type,
        "jobTitle": user.job_title,
        "businessPhones": [],
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": None,
        "accountEnabled": True,
    }
    if selected:
        return full
    return {key: full[key] for key in USER_DEFAULT_PROPERTIES}


def group_json(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "displayName": group.display_name,
        "description": None,
        "mail": group.mail,
        "mailEnabled": group.mail is not None,
        "mailNickname": group.mail.split("@")[0] if group.mail else group.id,
        "securityEnabled": group.security_enabled,
        "groupTypes": list(group.group_types),
    }


def _member_renderer(tenant: Tenant, request: GraphRequest) -> Callable[[str], dict[str, Any]]:
    selected = request.select() is not None

    def render(member_id: str) -> dict[str, Any]:
        user = tenant.users.get(member_id)
        if user is not None:
            return {"@odata.type": "#microsoft.graph.user", **user_json(user, selected=selected)}
        return {"@odata.type": "#microsoft.graph.group", **group_json(tenant.groups[member_id])}

    return render


def _directory_objects(tenant: Tenant, ids: list[str]) -> list[str]:
    """Member ids that still resolve (a deleted principal leaves no member entry)."""
    return [i for i in ids if i in tenant.users or i in tenant.groups]


def _matches(value: str | None, wanted: str) -> bool:
    return value is not None and value.lower() == wanted.lower()  # directory string compares ignore case


# ---------------------------------------------------------------------- users
@ROUTES.add("GET", r"/users", name="GET /users", cost=1)
def list_users(request: GraphRequest) -> GraphResponse:
    """Paged (100 by default, ``$top`` ≤ 999); ``$filter`` on mail, userPrincipalName or userType."""
    access.require(request, *access.READ_USERS)
    users = list(request.tenant.users.values())
    wanted = eq_filter(request, _USER_FILTERS, code=_NOT_SUPPORTED)
    if wanted is not None:
        prop, value = wanted
        users = [u for u in users if _matches(user_json(u, selected=True)[prop], value)]
    selected = request.select() is not None
    return collection(request, users, lambda u: user_json(u, selected=selected), context="users",
                      sizes=DIRECTORY_PAGE)


@ROUTES.add("GET", r"/users/(?P<user>[^/]+)", name="GET /users/{id}", cost=1)
def get_user(request: GraphRequest) -> GraphResponse:
    """By object id or userPrincipalName (facts §2.5; docs ``user-get``)."""
    access.require(request, *access.READ_USERS)
    selection = request.select()
    user = request.tenant.user(request.params["user"])
    return ok(project(user_json(user, selected=selection is not None), selection))


# ---------------------------------------------------------------------- groups
@ROUTES.add("GET", r"/groups", name="GET /groups", cost=1)
def list_groups(request: GraphRequest) -> GraphResponse:
    access.require(request, *access.READ_GROUP_MEMBERS)
    groups = list(request.tenant.groups.values())
    wanted = eq_filter(request, _GROUP_FILTERS, code=_NOT_SUPPORTED)
    if wanted is not None:
        prop, value = wanted
        groups = [g for g in groups if _matches(group_json(g)[prop], value)]
    return collection(request, groups, group_json, context="groups", sizes=DIRECTORY_PAGE)


@ROUTES.add("GET", r"/groups/(?P<group>[^/]+)", name="GET /groups/{id}", cost=1)
def get_group(request: GraphRequest) -> GraphResponse:
    access.require(request, *access.READ_GROUP_MEMBERS)
    return ok(project(group_json(request.tenant.group(request.params["group"])), request.select()))


@ROUTES.add("GET", r"/groups/(?P<group>[^/]+)/members", name="GET /groups/{id}/members", cost=1)
def list_members(request: GraphRequest) -> GraphResponse:
    """Direct members only; nested groups appear as groups."""
    access.require(request, *access.READ_GROUP_MEMBERS)
    tenant = request.tenant
    members = _directory_objects(tenant, tenant.group(request.params["group"]).members)
    return collection(request, members, _member_renderer(tenant, request), context="directoryObjects",
                      sizes=DIRECTORY_PAGE)


@ROUTES.add("GET", r"/groups/(?P<group>[^/]+)/transitiveMembers", name="GET /groups/{id}/transitiveMembers",
            cost=1)
def list_transitive_members(request: GraphRequest) -> GraphResponse:
    """Every user and group below the group, nested groups expanded, flat (facts §2.5)."""
    access.require(request, *access.READ_GROUP_MEMBERS)
    tenant = request.tenant
    members = _directory_objects(tenant, tenant.transitive_members(request.params["group"]))
    return collection(request, members, _member_renderer(tenant, request), context="directoryObjects",
                      sizes=DIRECTORY_PAGE)
