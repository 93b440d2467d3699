"""A file's content: download (``GET …/content`` → 302) and simple upload (``PUT …/content``).

Sources: ``driveitem-get-content.md`` (302 to a pre-authenticated URL, ``if-none-match`` → 304,
only items with a ``file`` facet), ``driveitem-put-content.md`` (replace by item id, or upload a new
file as ``/items/{parent-id}:/{filename}:/content``; the body is the bytes; files up to 250 MB; the
answer is the driveItem). RU (facts §7.1): download 1, upload 2. docs/sandbox-endpoints-drives.md
lists where the sandbox differs.
"""

from __future__ import annotations

from m365_compliance.sandbox.http.access import WRITE_FILES
from m365_compliance.sandbox.http.download import download_url
from m365_compliance.sandbox.http.resources.addressing import (
    DRIVE,
    ITEM,
    drive_of,
    item_of,
)
from m365_compliance.sandbox.http.resources.drives import item_view
from m365_compliance.sandbox.http.routing import ROUTES, GraphRequest, GraphResponse, ok
from m365_compliance.sandbox.tenant import SandboxError

MAX_SIMPLE_UPLOAD = 250 * 1024 * 1024
#: ``/items/{parent-id}:/{filename}:/content`` or ``/root:/{filename}:/content`` (one path segment).
NEW_FILE = DRIVE + r"(?:/root|/items/(?P<item>[^/:]+)):/(?P<name>[^/]+):/content"


@ROUTES.add("GET", ITEM + r"/content", name="GET /drives/{id}/items/{id}/content", cost=1)
def get_content(request: GraphRequest) -> GraphResponse:
    item = item_of(request)
    if item.is_folder:
        raise SandboxError(400, "invalidRequest", "Only driveItems with the file property can be downloaded.")
    tag = request.headers.get("if-none-match")
    if tag is not None and tag.strip() in (item.etag, item.ctag):
        return GraphResponse(304)
    return GraphResponse(302, None, {"Location": download_url(request, item)})


@ROUTES.add("PUT", NEW_FILE, name="PUT /drives/{id}/items/{parent-id}:/{filename}:/content", cost=2)
def upload_new(request: GraphRequest) -> GraphResponse:
    parent = request.tenant.item(drive_of(request, WRITE_FILES).id, request.params.get("item", "root"))
    item, created = request.tenant.upload_file(parent, request.params["name"], _bytes(request))
    return ok(item_view(request, item), status=201 if created else 200)


@ROUTES.add("PUT", ITEM + r"/content", name="PUT /drives/{id}/items/{id}/content", cost=2)
def replace_content(request: GraphRequest) -> GraphResponse:
    item = item_of(request, WRITE_FILES)
    request.tenant.write_content(item, _bytes(request))
    return ok(item_view(request, item))


def _bytes(request: GraphRequest) -> bytes:
    if len(request.body) > MAX_SIMPLE_UPLOAD:
        raise SandboxError(413, "requestEntityTooLarge", "A simple upload takes files up to 250 MB; use an upload "
                           "session (createUploadSession) for larger files.")
    return request.body
