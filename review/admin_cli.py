"""Admin sub-commands of ``competency-review``: ``user add|list``, ``agency add|list``, ``demo``.

They act as the command-line operator (:data:`review.auth.SYSTEM`, an admin): whoever can run
them can read the data directory anyway. Passwords are never taken from argv (they would land in
shell history and ``ps``): ``--password-stdin`` or an interactive prompt.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from review.auth import SYSTEM
from review.errors import ValidationFailed
from review.labels import agency_kind_name
from review.models import AGENCY_KINDS, ROLES


def _service():
    from review.services import ReviewService

    return ReviewService()


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValidationFailed(
            "no terminal to ask for the password: pipe it in with --password-stdin"
        )
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise ValidationFailed("the two passwords differ")
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    svc = _service()
    agency_id = svc.find_agency(SYSTEM, args.agency).id if args.agency else None
    password = _read_password(args)
    u = svc.create_user(
        SYSTEM, args.username, password, args.role, agency_id, args.display_name or ""
    )
    where = f" of {u.agency_name}" if u.agency_name else ""
    print(f"added {u.role} {u.username}{where}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    users = _service().list_users(SYSTEM)
    if not users:
        print("no users yet (add one with: competency-review user add NAME --role admin)")
        return 0
    w = max(len(u.username) for u in users)
    for u in users:
        state = "" if u.active else "  (deactivated)"
        agency = f"  {u.agency_name}" if u.agency_name else ""
        print(f"{u.username:<{w}}  {u.role:<11}  {u.display_name}{agency}{state}")
    return 0


def cmd_agency_add(args: argparse.Namespace) -> int:
    a = _service().create_agency(SYSTEM, args.name, args.kind)
    print(f"added agency {a.name} ({agency_kind_name(a.kind)}), id {a.id}")
    return 0


def cmd_agency_list(args: argparse.Namespace) -> int:
    agencies = _service().list_agencies(SYSTEM)
    if not agencies:
        print("no agencies yet")
        return 0
    for a in agencies:
        print(f"{a.id}  {agency_kind_name(a.kind):<11}  {a.name}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from review.config import data_dir
    from review.demo import format_logins, seed_demo

    svc = _service()
    logins_file = data_dir() / "demo-logins.txt"
    logins = seed_demo(svc, if_empty=args.if_empty, logins_file=logins_file)
    if not logins:
        print(f"the store in {data_dir()} already has users; demo not seeded")
        return 0
    print(format_logins(logins), end="")
    print(f"\n(also written to {logins_file})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``user``, ``agency`` and ``demo`` to the ``competency-review`` parser."""
    u = sub.add_parser("user", help="add or list users")
    usub = u.add_subparsers(dest="user_command", metavar="ACTION")
    usub.required = True
    ua = usub.add_parser("add", help="add a user (password from --password-stdin or a prompt)")
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=ROLES)
    ua.add_argument("--agency", help="agency id or name (agency users only)")
    ua.add_argument("--display-name", help="name shown in the app")
    ua.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    ua.set_defaults(func=cmd_user_add)
    ul = usub.add_parser("list", help="list users")
    ul.set_defaults(func=cmd_user_list)

    a = sub.add_parser("agency", help="add or list agencies")
    asub = a.add_subparsers(dest="agency_command", metavar="ACTION")
    asub.required = True
    aa = asub.add_parser("add", help="add an agency")
    aa.add_argument("name")
    aa.add_argument(
        "--kind",
        required=True,
        choices=("general", "specialized", *(k for k in AGENCY_KINDS if k != "general")),
        help="general: Core Competencies apply; specialized: Core and Advanced",
    )
    aa.set_defaults(func=cmd_agency_add)
    al = asub.add_parser("list", help="list agencies")
    al.set_defaults(func=cmd_agency_list)

    d = sub.add_parser(
        "demo", help="seed a demo store (agencies, users, documents) and print the logins"
    )
    d.add_argument(
        "--if-empty", action="store_true", help="do nothing when the store already has users"
    )
    d.set_defaults(func=cmd_demo)
