"""The nightly pipeline (``m365-compliance run``) and its stages."""
