"""File bytes in the sandbox tenant: what a download returns and what a simple upload writes.

A file created with ``content`` keeps exactly those bytes (the demo's files name their applicant or
customer, so a download or a search can be checked against them). Any other file's bytes are
generated on demand from its GUID and cTag version, ``size`` bytes long: a million-item tenant
stores no content, the same file always downloads the same bytes, and a content change (new cTag)
gives new ones.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from m365_compliance.sandbox.errors import SandboxError
from m365_compliance.sandbox.model import Item

if TYPE_CHECKING:
    from m365_compliance.sandbox.tenant import Tenant

#: Characters SharePoint refuses in a file or folder name.
INVALID_NAME_CHARS = frozenset('"*:<>?/\\|')
_BLOCK = 64  # bytes per blake2b block of generated content


class ContentMixin:
    def file_content(self: Tenant, item: Item) -> bytes:
        """The file's bytes: as given, else generated (deterministic, ``item.size`` long)."""
        if item.is_folder:
            raise SandboxError(400, "invalidRequest", "Only driveItems with the file property can be downloaded.")
        if item.content is not None:
            return item.content
        seed = f"{item.guid}:{item.content_version}".encode()
        blocks = (hashlib.blake2b(seed + n.to_bytes(8, "big"), digest_size=_BLOCK).digest()
                  for n in range(-(-item.size // _BLOCK)))
        return b"".join(blocks)[: item.size]

    def write_content(self: Tenant, item: Item, data: bytes, *, by: str | None = None) -> Item:
        """Replace a file's bytes (a content change: new eTag and cTag, new size and modified time)."""
        with self.lock:
            if item.is_folder:
                raise SandboxError(400, "invalidRequest", "A folder has no content to replace.")
            self.touch(item, by=by, size=len(data))
            item.content = bytes(data)
            return item

    def upload_file(self: Tenant, parent: Item, name: str, data: bytes, *, by: str | None = None) -> tuple[Item, bool]:
        """Simple upload into ``parent``: a new file, or new bytes for the file of that name (case-insensitive).

        Returns the item and whether it was created.
        """
        with self.lock:
            if not name.strip() or name != name.strip() or INVALID_NAME_CHARS & set(name):
                raise SandboxError(400, "invalidRequest", f"The name '{name}' contains characters SharePoint does "
                                   "not allow, or leading or trailing spaces.")
            if not parent.is_folder:
                raise SandboxError(400, "invalidRequest", "The parent of an item must be a folder.")
            drive = self.drive(parent.drive_id)
            existing = next((drive.items[c] for c in parent.children or () if drive.items[c].name.lower() ==
                             name.lower()), None)
            if existing is not None and existing.is_folder:
                raise SandboxError(409, "nameAlreadyExists", f"A folder named '{name}' already exists here.")
            if existing is not None:
                return self.write_content(existing, data, by=by), False
            return self.add_file(drive, parent, name, created_by=by, content=bytes(data)), True
