"""The privacy policy as rules (controls C1–C6): pure functions of (snapshot, config, now) → findings."""
