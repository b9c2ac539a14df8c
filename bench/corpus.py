"""Synthetic documents for benchmarks (reused by other bench scripts).

``make_policy_manual(path, sections=5000, style="realistic")`` writes a large policy manual: two
heading levels (Heading 1 chapters of 10 Heading 2 sections), ~80 words of body text a section
over two paragraphs, and a small table every 50 sections. A seeded RNG makes every run produce
the same file.

Two styles, because the matcher's cost depends on how often a word is a phrase word:

* ``realistic`` (the primary measure): sentences with full stops, made of ordinary policy language
  from a vocabulary of several hundred words ("the agency shall ensure that all employees complete
  ...") with a few domain terms a section ("mandated reporter", "safety plan", "law enforcement"),
  varied from section to section. All wording here is written for the bench; none is taken from
  real policies.
* ``stress``: word salad drawn from 64 domain words, so nearly every word is a phrase word. Far
  denser than any real policy: the worst case of the matcher, kept as a second measure.
"""

from __future__ import annotations

import random
from pathlib import Path

import docx

STYLES = ("realistic", "stress")

# --------------------------------------------------------------------------- stress (word salad)

_VOCAB = """staff agency youth shelter safety plan report incident training supervision confidential
record client advocate referral hotline screening assessment trauma informed care consent guardian
placement runaway exploitation trafficking law enforcement notify within hours policy procedure
review annual document secure location visitor access emergency contact case manager service
provider community partner interpreter language culturally responsive debriefing wellness support
employee assistance program caseload quality improvement data""".split()  # noqa: SIM905


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(_VOCAB) for _ in range(n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


# --------------------------------------------------------------------------- realistic prose

# ordinary policy language: sentence parts combined at random (several hundred distinct words)
_SUBJECTS = """the agency|all employees|each staff member|the program director|the supervisor on duty|
the executive director|every volunteer|the assigned case manager|the shift lead|contracted providers|
the human resources office|the compliance officer|the facility manager|the intake worker|the board of
directors|new hires|the quality assurance team|the designated administrator|the clinical lead|the
records custodian|the office manager|the transportation coordinator|direct care staff|the finance
department|the licensing liaison|program staff|the on-call manager|residential staff""".replace(
    "\n", " "
).split("|")

_MODALS = ["shall", "must", "will", "should", "may", "is expected to", "is required to"]

_VERBS = """ensure that|document whether|review|complete|maintain|verify|approve|record|update|
submit|file|keep|retain|monitor|track|evaluate|schedule|coordinate|arrange|provide|
confirm|sign|distribute|post|inspect|audit|report on|consult on|assess|revise|discuss|explain|
communicate|prepare|collect|store|check|follow up on|plan|organize|supervise|oversee""".replace(
    "\n", ""
).split("|")

_OBJECTS = """the written procedure|a signed acknowledgement form|the monthly schedule|the facility
inspection checklist|all required paperwork|the vehicle log|the annual budget|the incident log|the
personnel file|the building maintenance request|the visitor sign-in sheet|staffing levels|the
orientation packet|expense reports|the daily activity calendar|medication records|the fire drill
log|the meal plan|the supply inventory|timesheets|the employee handbook|the grievance form|the
program calendar|the outcome measures|the performance evaluation|the position description|the
contract terms|written notes|the progress summary|the approved form|meeting minutes|the key
control register|equipment checks|the cleaning schedule|the transportation request|the invoice|
the service agreement|the bulletin board notice|the quarterly summary|the corrective action plan|
the training calendar|the attendance record|the purchase order|the petty cash ledger|the lease
agreement|the floor plan|the communication log|the leave request|the payroll report""".replace(
    "\n", " "
).split("|")

_QUALIFIERS = """within five business days|before the end of each shift|at least once a year|
on a quarterly basis|as soon as practicable|no later than the next working day|in accordance with
state rules|using the approved template|in a secure cabinet|during regular business hours|at the
start of each month|before the first day of work|after each review period|as described in this
section|unless otherwise directed by the director|with a copy to the supervisor|in the electronic
system|following the steps below|prior to any change in assignment|each time the form is updated|
on the shared drive|at the next staff meeting|in writing|in a timely manner|when requested by the
auditor|consistent with applicable regulations|for a period of seven years|without undue delay|
where appropriate|at the discretion of management""".replace("\n", " ").split("|")

_CONNECTORS = [
    "In addition,",
    "Where possible,",
    "As a general rule,",
    "For the purposes of this policy,",
    "When this occurs,",
    "Unless stated otherwise,",
    "Each year,",
    "At a minimum,",
    "Under this section,",
    "If necessary,",
    "Upon request,",
    "Before proceeding,",
]

_HEADING_WORDS = """Purpose|Scope|Definitions|Responsibilities|General Provisions|Procedures|
Records Retention|Documentation|Staff Orientation|Personnel Files|Facility Safety|Vehicle Use|
Visitors|Supervision|Reporting|Training Requirements|Confidentiality|Complaints|Review and Revision|
Quality Assurance|Emergency Procedures|Admissions|Discharge Planning|Family Involvement|Medication
Handling|Transportation|Building Security|Financial Controls|Volunteer Management|Data Security|
Client Rights|Grievances|Service Planning|Staff Wellness|Community Partnerships|Language Access|
Incident Response|Case Records|Intake|Referrals""".replace("\n", " ").split("|")

# domain terms a child-welfare policy really uses, written for the bench (a few a section)
_DOMAIN = """human trafficking|sex trafficking|labor trafficking|commercial sexual exploitation|
mandated reporter|child abuse hotline|law enforcement|safety plan|trauma-informed care|
secondary traumatic stress|vicarious trauma|compassion fatigue|employee assistance program|
critical incident debriefing|runaway youth|missing from care|confidential location|do not
disclose the address|informed consent|release of information|interpreter services|culturally
responsive services|multidisciplinary team|screening tool|risk assessment|victim advocate|
forensic interview|case management|child protective services|juvenile court|guardian ad litem|
peer support|self-care|clinical supervision|harm reduction|survivor-centered approach|
strengths-based practice|evidence-based practice|motivational interviewing|crisis intervention|
emergency shelter|transitional living program|recruitment tactics|grooming|coercion|
online exploitation|social media safety|healthy relationships|substance use|
mental health services|medical examination|sexual assault|domestic violence|polyvictimization|
adverse childhood experiences|resilience|youth voice|family engagement|cultural humility|
LGBTQ youth|tribal child welfare|immigration status|T visa|continued safety planning|
data collection|caseload standards|quality improvement|community outreach|public awareness
campaign|prevention education|street outreach|drop-in center|housing assistance|
independent living skills|education advocacy|employment services|legal advocacy""".replace(
    "\n", " "
).split("|")


def _prose_sentence(rng: random.Random, domain_rate: float) -> str:
    """One policy-like sentence of ~10-18 words; with probability ``domain_rate`` one domain
    term takes the place of the object or is appended as the topic."""
    subject = rng.choice(_SUBJECTS).strip()
    obj = rng.choice(_OBJECTS).strip()
    tail = rng.choice(_QUALIFIERS).strip()
    if rng.random() < domain_rate:
        term = rng.choice(_DOMAIN).strip()
        if rng.random() < 0.5:
            obj = f"the {term} procedure" if rng.random() < 0.5 else term
        else:
            tail = f"{tail} regarding {term}"
    body = f"{subject} {rng.choice(_MODALS)} {rng.choice(_VERBS).strip()} {obj} {tail}"
    if rng.random() < 0.3:
        body = f"{rng.choice(_CONNECTORS)} {body}"
    return body[0].upper() + body[1:] + "."


def _prose_paragraph(rng: random.Random, words: int, domain_rate: float) -> str:
    out: list[str] = []
    n = 0
    while n < words:
        s = _prose_sentence(rng, domain_rate)
        out.append(s)
        n += len(s.split())
    return " ".join(out)


def _heading(rng: random.Random) -> str:
    a = rng.choice(_HEADING_WORDS).strip()
    if rng.random() < 0.25:
        return f"{a}: {rng.choice(_DOMAIN).strip().capitalize()}"
    return a


# --------------------------------------------------------------------------- the manual


def make_policy_manual(
    path: str | Path, sections: int = 5000, seed: int = 7, style: str = "realistic"
) -> Path:
    """Write a ``sections``-section manual in ``style`` (``realistic`` or ``stress``) to ``path``
    and return the path."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    rng = random.Random(seed)
    doc = docx.Document()
    doc.add_paragraph("Agency Policy Manual", style="Title")
    if style == "stress":
        doc.add_paragraph("Adopted by the board of directors. " + _sentence(rng, 20))
    else:
        doc.add_paragraph("Adopted by the board of directors. " + _prose_paragraph(rng, 20, 0.2))
    for i in range(sections):
        if style == "stress":
            if i % 10 == 0:
                doc.add_heading(f"Chapter {i // 10 + 1}: {_sentence(rng, 3)[:-1]}", level=1)
            doc.add_heading(f"{i // 10 + 1}.{i % 10 + 1} {_sentence(rng, 3)[:-1]}", level=2)
            doc.add_paragraph(" ".join(_sentence(rng, 10) for _ in range(4)))
            doc.add_paragraph(" ".join(_sentence(rng, 10) for _ in range(4)))
        else:
            if i % 10 == 0:
                doc.add_heading(f"Chapter {i // 10 + 1}: {_heading(rng)}", level=1)
            doc.add_heading(f"{i // 10 + 1}.{i % 10 + 1} {_heading(rng)}", level=2)
            # a few domain terms a section, some sections none, some many
            rate = rng.choice((0.0, 0.15, 0.3, 0.3, 0.45, 0.6))
            doc.add_paragraph(_prose_paragraph(rng, 36, rate))
            doc.add_paragraph(_prose_paragraph(rng, 36, rate))
        if i % 50 == 49:
            table = doc.add_table(rows=3, cols=3)
            for r in range(3):
                for c in range(3):
                    if style == "stress":
                        table.cell(r, c).text = rng.choice(_VOCAB)
                    else:
                        table.cell(r, c).text = rng.choice(
                            (rng.choice(_OBJECTS), rng.choice(_QUALIFIERS), rng.choice(_DOMAIN))
                        ).strip()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


if __name__ == "__main__":  # pragma: no cover
    import sys

    style = sys.argv[2] if len(sys.argv) > 2 else "realistic"
    out = make_policy_manual(
        sys.argv[1] if len(sys.argv) > 1 else f"bench/out/manual-{style}.docx", style=style
    )
    print(out)


def read_floor(path: Path) -> int:
    """The speed floor the benchmarks compare against: python-docx loading the file and reading
    every paragraph's text (returns the characters read, so the work cannot be skipped)."""
    d = docx.Document(str(path))
    return sum(len(p.text) for p in d.paragraphs)
