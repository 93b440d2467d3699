"""The policy file for the bundled sandbox 321 tenant, rendered from the packaged ``demo-policy.toml``.

The template is shipped as package data so ``demo`` works after a plain install; only the values
that depend on the run (where the sandbox listens, where state goes) are filled in.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Template

from m365_compliance.config.load import DEFAULT_STATE_PATH, parse_config
from m365_compliance.config.schema import Config

TEMPLATE = "demo-policy.toml"
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    return f"\\u{ord(ch):04x}" if ch < " " or ch == "\x7f" else ch  # TOML forbids raw control characters


def _toml_string_body(value: str) -> str:
    """``value`` escaped for the inside of a TOML basic string (the template supplies the quotes)."""
    return "".join(_escape(ch) for ch in value)


def demo_config_text(graph_url: str, state_path: str = DEFAULT_STATE_PATH) -> str:
    """The demo policy file's text with the sandbox's base URL and the state path filled in."""
    template = resources.files(__package__).joinpath(TEMPLATE).read_text(encoding="utf-8")
    return Template(template).substitute(graph_url=_toml_string_body(graph_url),
                                         state_path=_toml_string_body(state_path))


def write_demo_config(path: Path, *, graph_url: str, state_path: str = DEFAULT_STATE_PATH) -> Config:
    """Write the demo policy file to ``path`` and return it loaded; a bad value fails before anything is written."""
    text = demo_config_text(graph_url, state_path)
    config = parse_config(text, str(path))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return config
