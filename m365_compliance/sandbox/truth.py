"""Ground truth from the tenant's own state: who reaches each item, as Graph can expose it.

Tests compare an inventory with this. Principals are keyed as the inventory keys them
(``user:<id>``, ``guest:<id>``, ``group:<id>``, ``siteGroup:<site id>/<id>``, ``anyone:anyone``,
``organization:organization``): groups are expanded transitively (nested groups included), site
groups are not (Graph v1.0 cannot list their members, facts §2.5), links yield their audience.
"""

from __future__ import annotations

from m365_compliance.sandbox.tenant import Tenant


def effective_principals(tenant: Tenant, drive_id: str) -> dict[str, set[str]]:
    drive = tenant.drive(drive_id)
    result: dict[str, set[str]] = {}
    for item in tenant.walk(drive):
        keys: set[str] = set()
        for grant in tenant.effective_grants(item):
            if grant.link_scope == "anonymous":
                keys.add("anyone:anyone")
            elif grant.link_scope == "organization":
                keys.add("organization:organization")
            for user_id in grant.link_recipients:
                keys.add(user_key(tenant, user_id))
            if grant.user_id:
                keys.add(user_key(tenant, grant.user_id))
            if grant.site_group_id:
                keys.add(f"siteGroup:{drive.site_id}/{grant.site_group_id}")
            if grant.group_id:
                keys.add(f"group:{grant.group_id}")
                for member in tenant.transitive_members(grant.group_id):
                    keys.add(f"group:{member}" if member in tenant.groups else user_key(tenant, member))
        result[item.id] = keys
    return result


def user_key(tenant: Tenant, user_id: str) -> str:
    return f"{'guest' if tenant.users[user_id].is_guest else 'user'}:{user_id}"
