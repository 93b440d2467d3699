"""Drift (C8): each run's findings against the previous run's, accepted exceptions, and what to alert."""
