"""A demo store: two agencies, users of every role, and a few policy documents in every state.

``competency-review demo [--if-empty]`` calls :func:`seed_demo`. Passwords are generated at random
(``secrets.token_urlsafe``), printed once and written to ``<data dir>/demo-logins.txt`` (the data
directory is git-ignored) — no password is ever in the repository.

The policies are invented for this demo (no text from real agencies' documents) and built with
python-docx, so they go through the real parser and suggester like any upload.
"""

from __future__ import annotations

import contextlib
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from review.auth import SYSTEM, Actor
from review.services import ReviewService

# --------------------------------------------------------------------------- invented policies

#: (title, [(heading, [paragraphs])]) — headings become Heading 1 paragraphs
Policy = tuple[str, Sequence[tuple[str, Sequence[str]]]]

STAFF_WELLNESS: Policy = (
    "Staff Wellness and Vicarious Trauma Policy",
    [
        (
            "Purpose",
            [
                "Work with children and youth who have lived through abuse and exploitation takes a toll on "
                "the people who do it. This policy sets out how the agency protects the wellbeing of its staff "
                "so that they can keep offering steady, caring support.",
            ],
        ),
        (
            "Recognizing Vicarious Trauma",
            [
                "Supervisors and staff learn to recognize the signs of vicarious trauma, secondary traumatic "
                "stress and compassion fatigue: sleep problems, irritability, withdrawal from colleagues, "
                "numbness or intrusive images of a youth's story.",
                "New employees receive an orientation session on vicarious trauma during their first month.",
            ],
        ),
        (
            "Supervision and Debriefing",
            [
                "Every direct-care employee meets a supervisor for reflective supervision at least twice a month.",
                "After a critical incident a debriefing is offered within 48 hours, during paid time.",
            ],
        ),
        (
            "Employee Assistance Program",
            [
                "All employees and their household members may use the Employee Assistance Program for free, "
                "confidential counseling, including support after exposure to secondary trauma at work. "
                "The agency reminds staff of the program each quarter.",
            ],
        ),
        (
            "Self-Care and Leave",
            [
                "Staff are encouraged to plan self-care. Caseloads are reviewed monthly so that no worker carries "
                "an unmanageable load, and wellness leave days may be taken without a medical note.",
            ],
        ),
    ],
)

MANDATED_REPORTING: Policy = (
    "Mandated Reporting of Child Abuse and Neglect",
    [
        (
            "Policy Statement",
            [
                "All employees, interns and volunteers of the agency are mandated reporters under Wisconsin law. "
                "Any staff member who has reasonable cause to suspect that a child has been abused or neglected, "
                "including suspected sex trafficking, reports it without delay.",
            ],
        ),
        (
            "How to Report",
            [
                "Staff call the county child protective services intake line immediately and, where a child is in "
                "danger, law enforcement. The report is then documented in the case file the same day.",
                "Staff do not investigate on their own and do not ask the youth leading questions.",
            ],
        ),
        (
            "Training",
            [
                "Every employee completes mandated reporter training at hire and each year thereafter. The training "
                "covers the causes and consequences of child maltreatment and the indicators that a youth may be "
                "trafficked or at risk of exploitation.",
            ],
        ),
        (
            "Working With Partner Agencies",
            [
                "The agency takes part in the county multidisciplinary team and shares information with child "
                "welfare, schools, youth justice and mental health providers as the law allows, so that a child "
                "is identified, screened and served without delay.",
            ],
        ),
    ],
)

CONFIDENTIALITY: Policy = (
    "Confidentiality and Shelter Location Policy",
    [
        (
            "Scope",
            [
                "This policy applies to everyone who works or volunteers at the shelter and to every youth "
                "record the shelter keeps, on paper or electronically.",
            ],
        ),
        (
            "Confidential Location",
            [
                "The street address of the shelter is confidential. Staff do not disclose the address to callers, "
                "family members or visitors, and youth are picked up and dropped off at a separate meeting point.",
                "Staff never post photographs that could reveal the location of the shelter.",
            ],
        ),
        (
            "Youth Records",
            [
                "Records are kept in locked cabinets and in a password-protected case system. Information is "
                "released only with the written consent of the youth or guardian or when the law requires it.",
            ],
        ),
        (
            "Safety Planning",
            [
                "Each youth develops an individual safety plan together with their advocate, covering contact "
                "from exploiters, online contact and what to do when they feel unsafe.",
            ],
        ),
    ],
)

RUNAWAY: Policy = (
    "Runaway and Missing From Care Policy",
    [
        (
            "Purpose",
            [
                "Youth who run away from care are at high risk of exploitation and trafficking. This policy "
                "describes how staff prevent running, respond when a youth is missing and welcome a youth back.",
            ],
        ),
        (
            "Prevention",
            [
                "Staff build rapport and trust with each youth through consistent assignments and daily check-ins. "
                "Known risk factors such as a history of running, contact with older boyfriends or unexplained gifts "
                "are noted in the youth's plan.",
            ],
        ),
        (
            "When a Youth Is Missing",
            [
                "If a youth cannot be located, staff search the grounds, then notify the on-call supervisor, law "
                "enforcement and the placing caseworker within one hour, and report the youth to the National "
                "Center for Missing and Exploited Children.",
            ],
        ),
        (
            "Return to Care",
            [
                "When the youth returns, staff offer food, rest and medical care without blame. A trauma-informed "
                "debrief explores where the youth stayed and whether they were exploited, and the safety plan is "
                "updated with the youth.",
            ],
        ),
    ],
)

FLEET_MEMO: Policy = (
    "Fleet Vehicle Use Memo",
    [
        (
            "Vehicle Booking",
            [
                "Agency vans are booked through the front office calendar at least one day ahead. Keys are "
                "returned to the lock box by 6 pm.",
            ],
        ),
        (
            "Fuel and Mileage",
            [
                "Drivers record the mileage in the log book and refuel when the tank is below one quarter. Fuel "
                "cards are kept in the glove box.",
            ],
        ),
        (
            "Accidents",
            [
                "Any accident or damage is reported to the office manager the same day together with photographs "
                "and the insurance form.",
            ],
        ),
    ],
)

POLICIES = {
    "staff-wellness": STAFF_WELLNESS,
    "mandated-reporting": MANDATED_REPORTING,
    "confidentiality": CONFIDENTIALITY,
    "runaway": RUNAWAY,
    "fleet-memo": FLEET_MEMO,
}


def policy_docx(policy: Policy) -> bytes:
    """A .docx with a Title paragraph and one Heading 1 per section."""
    import docx

    title, sections = policy
    doc = docx.Document()
    doc.core_properties.title = title
    doc.add_paragraph(title, style="Title")
    for heading, paragraphs in sections:
        doc.add_heading(heading, level=1)
        for text in paragraphs:
            doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def file_name(title: str) -> str:
    return title.replace(" ", "_") + ".docx"


# --------------------------------------------------------------------------- seeding


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    agency: str
    display_name: str


USERS = (
    # username, display name, role, agency key
    ("admin", "Avery Admin", "admin", None),
    ("rosa", "Rosa Martinez (reviewer)", "reviewer", None),
    ("sam", "Sam Okafor (reviewer)", "reviewer", None),
    ("nora", "Nora Lind (Northwoods)", "agency_user", "general"),
    ("hank", "Hank Ruiz (Harbor Light)", "agency_user", "specialised"),
)

AGENCIES = {
    "general": "Northwoods Family Services",
    "specialised": "Harbor Light Youth Shelter",
}


def seed_demo(
    svc: ReviewService, *, if_empty: bool = False, logins_file: Path | None = None
) -> list[DemoLogin]:
    """Seed the demo into ``svc``'s store and return the logins (empty list when ``if_empty`` and
    the store already has users)."""
    if if_empty and svc.has_users():
        return []
    agencies = {kind: svc.create_agency(SYSTEM, name, kind) for kind, name in AGENCIES.items()}
    logins: list[DemoLogin] = []
    actors: dict[str, Actor] = {}
    for username, display, role, kind in USERS:
        password = secrets.token_urlsafe(12)
        ag = agencies[kind] if kind else None
        svc.create_user(SYSTEM, username, password, role, ag.id if ag else None, display)
        actors[username] = Actor(username, role, ag.id if ag else None, display)
        logins.append(DemoLogin(username, password, role, ag.name if ag else "", display))
    nora, hank, rosa, sam, admin = (actors[u] for u in ("nora", "hank", "rosa", "sam", "admin"))

    def upload(actor: Actor, key: str) -> str:
        title, _ = POLICIES[key]
        return svc.upload(
            actor, policy_docx(POLICIES[key]), file_name(title), title=title
        ).document_id

    # approved: every suggestion decided by Rosa, approved
    wellness = upload(nora, "staff-wellness")
    svc.transition(nora, wellness, "submit")
    svc.transition(rosa, wellness, "claim")
    for i, link in enumerate(svc.links(rosa, wellness)):
        if i % 5 == 4:
            svc.reject_link(rosa, wellness, link.id, "mentions the topic only in passing")
        else:
            svc.confirm_link(rosa, wellness, link.id, note="clear written commitment")
    svc.comment(rosa, wellness, "A strong policy on staff wellbeing.")
    gaps = svc.coverage_summary(rosa, wellness).gaps
    svc.transition(
        rosa,
        wellness,
        "approve",
        "A strong staff-wellbeing policy; the competencies it does not address are covered "
        "by the agency's other policies under review.",
        accept_open_findings=gaps,
    )

    # in review with some decisions (Sam holds the lock)
    reporting = upload(nora, "mandated-reporting")
    svc.transition(nora, reporting, "submit")
    svc.transition(sam, reporting, "claim")
    for link in svc.links(sam, reporting)[:2]:
        svc.confirm_link(sam, reporting, link.id)

    # changes requested
    conf = upload(hank, "confidentiality")
    svc.transition(hank, conf, "submit")
    svc.transition(rosa, conf, "claim")
    links = svc.links(rosa, conf)
    if links:
        svc.confirm_link(rosa, conf, links[0].id)
    svc.transition(
        rosa,
        conf,
        "request_changes",
        "Please add how staff are trained on trafficking indicators and how youth are supported after leaving.",
    )

    # submitted, waiting in the queue
    runaway = upload(hank, "runaway")
    svc.transition(hank, runaway, "submit")

    # a draft (off-topic memo: few or no suggestions)
    upload(nora, "fleet-memo")
    del admin

    if logins_file is not None:
        logins_file.parent.mkdir(parents=True, exist_ok=True)
        logins_file.write_text(format_logins(logins), encoding="utf-8")
        with contextlib.suppress(OSError):
            logins_file.chmod(0o600)
    return logins


def format_logins(logins: Sequence[DemoLogin]) -> str:
    width = max(len(x.username) for x in logins)
    lines = ["Competency Review demo logins (generated at random; keep this file private)", ""]
    for x in logins:
        where = f", {x.agency}" if x.agency else ""
        lines.append(f"{x.username:<{width}}  {x.password}  ({x.role}{where})")
    return "\n".join(lines) + "\n"
