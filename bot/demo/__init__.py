"""The demo: a sample workspace, rules doc included, to try the guide on."""
