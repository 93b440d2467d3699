"""What each gateway call costs and needs: RU price (facts §7.1) and least-privilege permission (facts §9).

Declared once here so the pacer charges the right price and a 403 can name the missing permission.
"""

from __future__ import annotations

from dataclasses import dataclass

_FILES_READ = "Files.Read.All (or a Sites.Selected grant on the site)"
_FILES_WRITE = "Files.ReadWrite.All (or a Sites.Selected 'write' grant on the site)"
_PERMISSIONS_WRITE = "Files.ReadWrite.All (or a Sites.Selected 'fullcontrol' grant on the site)"


@dataclass(frozen=True, slots=True)
class Call:
    """One kind of Graph request the gateway makes."""

    name: str  # what the call does, for messages ("list permissions")
    cost: int  # resource units charged per request (facts §7.1)
    permission: str  # least-privileged application permission (facts §9)
    idempotent: bool = True  # safe to resend after a dropped connection
    deletes: bool = False  # a 403 accessDenied on it means "retention-blocked" (facts §4.1)


RESOLVE_SITE = Call("resolve the site", 1, "Sites.Read.All (or a Sites.Selected grant on the site)")
LIST_LIBRARIES = Call("list the site's libraries", 2, _FILES_READ)
DELTA_FULL = Call("read the library's delta feed", 2,
                  f"{_FILES_READ}; complete sharing changes need Sites.FullControl.All")
DELTA_TOKEN = Call("read the library's delta feed", 1, DELTA_FULL.permission)
LIST_CHILDREN = Call("list a folder's children", 2, "Sites.Read.All (list-item columns are read with them)")
GET_ITEM = Call("read an item", 1, _FILES_READ)
LIST_PERMISSIONS = Call("list an item's permissions", 5, _FILES_READ)
LIST_COLUMNS = Call("read the list's columns", 2, "Sites.Read.All (or a Sites.Selected grant on the site)")
LIST_ITEMS = Call("read the list's items", 2, "Sites.Read.All (or a Sites.Selected grant on the site)")
GET_LABEL = Call("read an item's retention label", 1, _FILES_READ)
SET_LABEL = Call("apply a retention label", 2,
                 f"{_FILES_WRITE}; record labels need Sites.FullControl.All or a 'fullcontrol' grant")
DELETE_ITEM = Call("delete an item", 2, _FILES_WRITE, deletes=True)
PERMANENT_DELETE = Call("permanently delete an item", 2, _FILES_WRITE, deletes=True)
DELETE_PERMISSION = Call("remove a permission", 5, _PERMISSIONS_WRITE)
#: doctor's role probes (graph/role_probes.py): refused by a precondition, so they change nothing.
PROBE_CHANGE = Call("probe the right to change items", 2, _FILES_WRITE)
PROBE_REMOVE_PERMISSION = Call("probe the right to remove permissions", 5, _PERMISSIONS_WRITE)
TRANSITIVE_MEMBERS = Call("expand a group's members", 1, "GroupMember.Read.All")
FIND_GROUP = Call("find a group", 1, "GroupMember.Read.All")
LIST_USERS = Call("list users", 1, "User.Read.All")
FIRE_EVENT = Call("fire a retention event", 2, "RecordsManagement.ReadWrite.All", idempotent=False)
LIST_EVENTS = Call("list retention events", 1, "RecordsManagement.Read.All (ReadWrite.All includes it)")
#: Exchange, not SharePoint: priced 1 like the directory calls. Resending could deliver the mail twice.
SEND_MAIL = Call("send mail", 1, "Mail.Send (an Exchange application access policy may limit it to some mailboxes)",
                 idempotent=False)
DOWNLOAD = Call("download a file", 1, _FILES_READ)
UPLOAD = Call("upload a file", 2, _FILES_WRITE)  # a PUT: resending writes the same bytes again
SEARCH = Call("search the tenant", 1, "Files.Read.All or Sites.Read.All (application; a Sites.Selected grant does "
              "not cover Microsoft Search)")
#: The $batch envelope costs nothing itself; its items are charged one by one (facts §6.1, §7.1).
BATCH = Call("send a $batch request", 0, _FILES_READ)


def delta_call(link: str | None) -> Call:
    """Delta with a token costs 1 RU, without one 2 RU (facts §7.1)."""
    return DELTA_TOKEN if link is not None and "token=" in link else DELTA_FULL
