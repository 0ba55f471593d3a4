"""Registers the shared fixtures (databases, the Bot API stand-in) for every layer."""

pytest_plugins = ["tests.support.databases", "tests.support.standin"]
