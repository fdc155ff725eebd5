"""Slack modal views (pause, hand off), built with `slack_sdk.models` (the Slack bot issue)."""
