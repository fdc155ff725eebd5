"""Slack action, view and command listeners (the Slack bot issue); each module wires ids to
plain functions with `register(app)` and holds no business rule."""
