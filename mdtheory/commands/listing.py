"""mdtheory list: the registered claims, the theorem library's files and the catalogue."""

from __future__ import annotations

import json

NAME = "list"


def add_arguments(commands) -> None:
    parser = commands.add_parser(NAME, help="the registered claims, the theorem library's files and the catalogue")
    parser.add_argument("--json", action="store_true", help="print the lists as JSON")
    parser.set_defaults(handler=list_command)


def list_command(args) -> int:
    from mdtheory.face import listing

    found = listing()
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print("claims (mdtheory verify --claim NAME):")
    for claim in found["claims"]:
        print(f"  {claim['name']}: {claim['about']}")
    print("theorem library (mdtheory check FILE, and --twin for its planted-false twin):")
    for theorem in found["theorems"]:
        print(f"  {theorem['name']}: {theorem['title'] or '(no [theorem] name)'}"
              + (" [twin]" if theorem["twin"] else " [no twin]"))
    print("catalogue of regularizers (mdtheory.catalogue; regularizer = \"NAME\" in a claim file):")
    for regularizer in found["catalogue"]:
        print(f"  {regularizer['name']}: {regularizer['about']}")
    return 0
