"""`og tables create|check`: the DynamoDB tables of `OG_STATE=dynamodb://?prefix=...`.

`create` makes the five tables (on-demand billing) and leaves any that exist alone, so running
it again is harmless; `check` verifies an existing deployment: every table there, with the
keys the store relies on. Both print one line per table and exit 1 if anything is wrong.
"""

from __future__ import annotations

import argparse

from bot import output

_USAGE = "og tables works on a DynamoDB state store: set OG_STATE (or --state) to dynamodb://..."


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    tables = commands.add_parser("tables", help="the DynamoDB state tables")
    actions = tables.add_subparsers(dest="tables_command", required=True)
    actions.add_parser(
        "create", parents=[common], help="create the tables, on-demand (harmless when they exist)"
    )
    actions.add_parser("check", parents=[common], help="check the tables and their keys")


def run(command: str, state: str) -> int:
    if not state.startswith("dynamodb:"):
        output.error(f"{_USAGE} (it is {state}; SQLite makes its own tables)")
        return 2
    # Imported here: boto3 takes a while to load, which other commands need not pay.
    from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
        BotoCoreError,
        ClientError,
    )

    from engine.adapters.dynamodb_tables import (
        check_tables,
        create_tables,
        make_client,
        parse_dynamodb_url,
    )

    try:
        settings = parse_dynamodb_url(state)
    except ValueError as error:
        output.error(f"og tables: {error}")
        return 2
    try:
        client = make_client(settings)
        made = create_tables if command == "create" else check_tables
        checks = made(client, settings.prefix)
    except (BotoCoreError, ClientError) as error:
        output.error(f"og tables {command}: {error}")
        return 1
    for check in checks:
        (output.say if check.ok else output.error)(check.render())
    return 0 if all(check.ok for check in checks) else 1
