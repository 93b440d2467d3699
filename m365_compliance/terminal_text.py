"""Names are data, not commands: tenant text made safe for a terminal line, a log line or a JSON line.

Item, folder, user, group and register names are chosen by anyone with edit rights in the tenant, and
they reach the operator's terminal, CI logs and the GitHub Actions job summary. Printed raw, a newline
forges a log line, ``\\x1b[2J`` clears the screen, an OSC 8 sequence plants a link, ``\\r`` overwrites
what was printed, a bidi override makes ``fdp.exe`` read as ``exe.pdf``, and a line that begins with
``::`` (after leading white space) is a workflow command the Actions runner executes (``::add-mask::``,
``::set-output``, ``::stop-commands::``); the runner's legacy form ``##[command]`` counts anywhere in a
line. So control characters are shown escaped, never interpreted, and neither command form survives.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: C0 (``\\n``, ``\\r``, ``\\t``, ESC …), DEL, C1 (``\\x80``–``\\x9f``: 8-bit CSI/OSC, NEL), the Unicode
#: line and paragraph separators and the bidi embeddings, overrides and isolates. Zero-width joiners
#: and other format characters stay: they change how a name looks, not what the terminal does.
_PAST_C0 = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
UNSAFE = re.compile(f"[\x00-\x1f{_PAST_C0}]")
#: What json.dumps leaves raw inside strings (it escapes C0 itself; a raw C0 in its output is indentation).
_JSON_UNSAFE = re.compile(f"[{_PAST_C0}]")
#: The runner's workflow-command marker, honoured at the start of a line after leading white space.
COMMAND_START = "::"
#: The runner's legacy command marker (``##[error]``, ``##[stop-commands]``), honoured anywhere in a line.
LEGACY_COMMAND = "##["
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(found: re.Match[str]) -> str:
    char = found.group()
    code = ord(char)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: object) -> str:
    """``text`` with each control character written as its escape (``\\x1b``, ``\\n``, ``\\u202e``) and
    nothing else changed: for a cell or an HTML text, where the escaping of its own format does the rest."""
    return UNSAFE.sub(_shown, str(text))


def safe_line(text: object) -> str:
    """``text`` as one inert line: control characters written as escapes (``\\x1b``, ``\\n``, ``\\u202e``),
    ``##[`` as ``##\\[``, and a backslash in front when the line would begin with ``::``.

    Meant for anything that may hold a name from the tenant; text of our own passes unchanged."""
    line = visible(text).replace(LEGACY_COMMAND, "##\\[")
    return "\\" + line if line.lstrip().startswith(COMMAND_START) else line


def safe_json(value: Any, **options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, **options)`` with no raw control character left in it.

    json.dumps escapes C0 only; DEL, C1, the line separators and bidi controls (and ``[`` after ``##``)
    are written as ``\\uXXXX`` escapes, so the text still decodes to exactly ``value``. A JSON document
    never starts a line with ``::`` once no raw line break is left in it."""
    text = json.dumps(value, ensure_ascii=False, **options)
    escaped = _JSON_UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    return escaped.replace(LEGACY_COMMAND, "##\\u005b")  # '#' is never JSON syntax: this is inside a string
