"""Files that hold personal data (exports, statements) are created readable by their owner only."""

from m365_compliance.private_files import open_private, write_private

__all__ = ["open_private", "write_private"]
