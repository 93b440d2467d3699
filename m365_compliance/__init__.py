"""m365-compliance: a privacy policy made enforceable, checked nightly and provable in Microsoft 365."""

__version__ = "0.1.0"
