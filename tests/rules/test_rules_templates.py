import pytest

from engine.rules import PLACEHOLDERS, placeholders_in, render, slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("connect data", "connect-data"),
        ("Check-in", "check-in"),
        ("Starter", "starter"),
        ("  Feature   tour!  ", "feature-tour"),
        ("Pro / Plus", "pro-plus"),
        ("invite_team", "invite-team"),
        ("Café setup", "café-setup"),
        ("!!!", ""),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_placeholders_are_the_documented_eight() -> None:
    assert {
        "first_name",
        "name",
        "company",
        "plan",
        "step",
        "done_link",
        "owner_name",
        "original_subject",
    } == PLACEHOLDERS


def test_placeholders_in_finds_every_token_even_malformed_ones() -> None:
    text = "Hi {first_name} {foo.bar} {x[0]} { name } {} {{escaped}} {company}"
    assert placeholders_in(text) == ["first_name", "foo.bar", "x[0]", " name ", "", "company"]


def test_placeholders_in_skips_escaped_braces() -> None:
    assert placeholders_in("{{first_name}} and {{ }}") == []
    assert placeholders_in("{{{plan}}}") == ["plan"]


def test_render_substitutes_values() -> None:
    values = {"first_name": "Ada", "company": "Acme"}
    assert render("Hi {first_name} of {company}, {first_name}!", values) == ("Hi Ada of Acme, Ada!")


def test_render_turns_double_braces_into_literal_braces() -> None:
    assert render("{{x}}", {}) == "{x}"
    assert render("{{{plan}}} }} {{", {"plan": "Pro"}) == "{Pro} } {"


def test_render_leaves_lone_braces_alone() -> None:
    assert render("a } b { c", {}) == "a } b { c"


def test_render_inserts_values_verbatim_and_never_rescans_them() -> None:
    values = {"name": "{company} {{x}}", "company": "Acme"}
    assert render("{name}", values) == "{company} {{x}}"


def test_render_never_evaluates_attribute_or_index_access() -> None:
    values = {"name": "Ada"}
    with pytest.raises(KeyError):
        render("{name.__class__}", values)
    with pytest.raises(KeyError):
        render("{name[0]}", values)


def test_render_does_not_use_format_spec_or_conversion() -> None:
    with pytest.raises(KeyError):
        render("{name!r}", {"name": "Ada"})
    with pytest.raises(KeyError):
        render("{name:>10}", {"name": "Ada"})


def test_render_unknown_key_raises_key_error() -> None:
    with pytest.raises(KeyError):
        render("Hi {nickname}", {"first_name": "Ada"})
