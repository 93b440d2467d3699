"""The demo: the bundled sandbox tenant, the packaged policy file, and the pipeline run against them."""

from m365_compliance.demo.run import DemoOutcome, run_demo

__all__ = ["DemoOutcome", "run_demo"]
