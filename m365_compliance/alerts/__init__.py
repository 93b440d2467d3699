"""Alert sinks: Teams, e-mail through Graph, GitHub issues and JSON on stdout (C8)."""
