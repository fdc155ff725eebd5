"""The rules doc: a rep's prose note read into plans, windows, owners and messages."""

from engine.rules.parser import parse_rules, slugify
from engine.rules.templates import PLACEHOLDERS, placeholders_in, render

__all__ = ["PLACEHOLDERS", "parse_rules", "placeholders_in", "render", "slugify"]
