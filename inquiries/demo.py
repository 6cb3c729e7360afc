"""Demo reader questions for a fresh install, so the dashboard has a story. Idempotent."""


def load(stdout):
    """Create the demo inquiries unless they exist."""
