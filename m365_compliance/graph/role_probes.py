"""Whether the app may change a library, asked without changing it.

Graph gives an app no way to read its own Sites.Selected role (listing a site's grants needs
Sites.FullControl.All, site-list-permissions.md), so ``doctor --mode execute`` asks with requests
that cannot succeed in changing anything: each carries an ``If-Match`` no item has, so a caller the
role admits gets ``412`` (driveitem-update.md, permission-delete.md: a tag that does not match is
refused and nothing changes), and a caller it does not admit gets ``403`` first — authorization
before preconditions (RFC 9110 §13.2.1). The update's body is empty and the permission id names no
permission, so even a service that ignored the header would change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from msgraph.generated.models.drive_item import DriveItem

from m365_compliance.graph import calls
from m365_compliance.graph.errors import NotFound, PermissionDenied, PreconditionFailed
from m365_compliance.graph.session import GraphSession, request_config

#: An entity tag no item carries (SharePoint's are ``"{GUID},n"``).
PROBE_TAG = '"m365-compliance-probe"'
#: A permission id no grant carries (SharePoint's are base64 or GUIDs).
PROBE_PERMISSION = "m365-compliance-probe"


class RoleProbes(GraphSession):
    async def may_change_items(self, drive_id: str) -> bool:
        """An empty update of the library's root folder under a tag that cannot match: ``write`` or more."""
        root = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id("root")
        cfg = request_config(if_match=PROBE_TAG)
        return await self._admitted(lambda: self._send_json(
            calls.PROBE_CHANGE, lambda: root.to_patch_request_information(DriveItem(), cfg)))

    async def may_remove_permissions(self, drive_id: str) -> bool:
        """Removal of a permission that does not exist, under a tag that cannot match: ``fullcontrol``."""
        perm = self._graph.drives.by_drive_id(drive_id).items.by_drive_item_id("root").permissions \
            .by_permission_id(PROBE_PERMISSION)
        cfg = request_config(if_match=PROBE_TAG)
        return await self._admitted(lambda: self._send_json(
            calls.PROBE_REMOVE_PERMISSION, lambda: perm.to_delete_request_information(cfg)))

    @staticmethod
    async def _admitted(send: Callable[[], Awaitable[object]]) -> bool:
        """True when Graph let the request past authorization (a 412, a 404 for the made-up id, or a 2xx
        from a service that ignored the tag — the request itself changes nothing); False on 403."""
        try:
            await send()
        except (PreconditionFailed, NotFound):
            return True
        except PermissionDenied:
            return False
        return True
