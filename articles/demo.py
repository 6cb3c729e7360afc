"""Demo articles for a fresh install, written in our own words. Idempotent."""


def load(stdout):
    """Create the demo authors, topics, disclaimer and articles unless they exist."""
