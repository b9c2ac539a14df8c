"""The ``competency-review`` command (also ``python -m review``).

Exit codes: 0 success, 2 usage error, 3 unreadable input (message on stderr), 1 any other refusal
(a permission, a workflow guard) with its message on stderr.

Each sub-command is a small function ``cmd_<name>(args) -> int`` registered in :func:`build_parser`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from review.config import DEFAULT_FRAMEWORK_ID
from review.errors import FrameworkError, ReviewError, UnreadableDocument

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors already; keep its message short and on stderr."""


def _err(message: str) -> None:
    print(f"competency-review: {message}", file=sys.stderr)


# --------------------------------------------------------------------------- analyze


def analysis_json(parsed, suggestions, fw, tier: str) -> dict:
    """What ``analyze --json`` prints: the document, the framework and every section with its
    suggestions (plain dicts built by hand: ``dataclasses.asdict`` deep-copies every field).
    A section whose heading Word numbers automatically has its ``"label"`` ("4.2") after the
    title (which, like the id, is the heading's own text), and one with automatically numbered
    list items its ``"line_labels"`` after the text: per line of the text, the number Word draws
    before it ("" for none)."""
    return _analysis_head(parsed, fw, tier) | {
        "sections": [
            _section_json(s, [g.to_dict() for g in sugg])
            for s, sugg in zip(parsed.sections, suggestions, strict=True)
        ],
    }


def _section_json(s, suggestions: list) -> dict:
    out = {"id": s.id, "title": s.title}
    if s.label:
        out["label"] = s.label
    out |= {"level": s.level, "path": list(s.path), "text": s.text}
    if s.line_labels:
        out["line_labels"] = list(s.line_labels)
    return out | {"first_par": s.first_par, "last_par": s.last_par, "suggestions": suggestions}


def _analysis_head(parsed, fw, tier: str) -> dict:
    """:func:`analysis_json`'s keys before ``"sections"``."""
    return {
        "document": parsed.filename,
        "framework": {"id": fw.id, "version": fw.version},
        "tier": tier,
    }


def analysis_json_text(parsed, suggestions, fw, tier: str) -> str:
    """The text ``analyze --json`` prints (before its final newline): :func:`analysis_json`
    indented by two, non-ASCII kept, exactly as ``json.dumps`` writes it, in a quarter of the
    time: the sections are written straight from the objects
    (:func:`review.jsontext.analysis_sections_text`), not from dicts by a general encoder."""
    from review.jsontext import analysis_sections_pieces, dumps_indented
    from review.matching import gc_paused

    head = dumps_indented(_analysis_head(parsed, fw, tier) | {"sections": []}, indent=2)
    assert head.endswith('"sections": []\n}')
    with gc_paused():  # thousands of strings that live until the text is joined
        pieces = analysis_sections_pieces(parsed.sections, suggestions)
    pieces.insert(0, head[: -len("[]\n}")])
    pieces.append("\n}")
    return "".join(pieces)


def cmd_analyze(args: argparse.Namespace) -> int:
    from review.engine import Suggester
    from review.framework import get_framework
    from review.parsing import parse_file

    fw = get_framework(args.framework)
    parsed = parse_file(Path(args.file))
    suggester = Suggester(fw)
    suggestions = suggester.suggest(parsed.sections, tier=args.tier)
    removed = ""
    if args.report or args.annotate:
        from review.reports import analysis_context, annotated_policy, review_report

        original = Path(args.file).read_bytes()
        if args.annotate and parsed.format == "docx":
            # the annotated copy is made from the inert package, as the app makes it from the
            # stored original: nothing in it fetches, runs or imports anything
            from review.parsing.sanitize import removed_note, sanitize_docx

            clean = sanitize_docx(original, parsed.filename)
            original, removed = clean.data, removed_note(clean.summary, "the annotated copy")
        ctx = analysis_context(parsed, suggestions, fw, original, args.tier)
        if args.report:
            Path(args.report).write_bytes(review_report(ctx, fw))
        if args.annotate:
            if parsed.format != "docx":
                _err("--annotate needs a .docx file; skipped")
            else:
                Path(args.annotate).write_bytes(annotated_policy(ctx))
    if removed and args.json:
        print(removed, file=sys.stderr)  # stdout is the JSON
    if args.json:
        text = analysis_json_text(parsed, suggestions, fw, args.tier)
        del parsed, suggestions, suggester  # (the memory of the document for the writing)
        # written in parts: one write would encode a large manual's whole text at once
        for k in range(0, len(text), 1 << 20):
            sys.stdout.write(text[k : k + (1 << 20)])
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"{parsed.filename}: {len(parsed.sections)} sections, framework {fw.id} ({args.tier})")
    if removed:
        print(removed)
    width = min(60, max([len(s.shown_title) for s in parsed.sections] + [8]))
    for s, sugg in zip(parsed.sections, suggestions, strict=True):
        title = ("  " * max(s.level - 1, 0) + (s.shown_title or "(preamble)"))[:width]
        if sugg:
            cells = ", ".join(
                f"{g.competency} {g.score:.0f} [{'; '.join(dict.fromkeys(e.phrase for e in g.evidence[:3]))}]"
                for g in sugg
            )
        else:
            cells = "-"
        print(f"{title:<{width}}  {cells}")
    return EXIT_OK


# --------------------------------------------------------------------------- eval


def cmd_eval(args: argparse.Namespace) -> int:
    from review.evaluation import evaluate
    from review.framework import get_framework

    fw = get_framework(args.framework)
    result = evaluate(Path(args.dir), fw)
    out = result.to_dict()
    lines = [result.format_table()]
    if args.cv or args.learning_curve:
        from review import training
        from review.model import prior_model

        docs = training.collect(Path(args.dir), fw)
        if args.cv:
            out["cv"] = training.cross_validate(docs, prior_model())
            c = out["cv"]
            lines.insert(
                1,
                f"cross-validated ({c['folds']}): precision {c['precision']:.3f}"
                f"  recall {c['recall']:.3f}  F1 {c['f1']:.3f}  (tp {c['tp']}, fp {c['fp']}, fn {c['fn']})",
            )
            iv, pr, dif = c["interval"], c["prior"], c["fitted_minus_prior"]
            lines.insert(
                2,
                f"  {iv['level']:.0%} interval, resampling documents: F1 {iv['f1'][0]:.3f} to"
                f" {iv['f1'][1]:.3f} (precision {iv['precision'][0]:.2f} to {iv['precision'][1]:.2f},"
                f" recall {iv['recall'][0]:.2f} to {iv['recall'][1]:.2f})\n"
                f"  the hand-set prior, not fitted, on the same documents: F1 {pr['f1']:.3f};"
                f" fitted minus prior {dif['f1']:+.3f} ({dif['level']:.0%} interval"
                f" {dif['interval'][0]:+.3f} to {dif['interval'][1]:+.3f};"
                f" fitted ahead in {dif['better']:.0%} of resamples)",
            )
            cal = c["calibration"]
            lines.insert(
                3,
                f"  calibration, held out: Brier {cal['brier']:.3f} (base rate alone"
                f" {cal['brier_base_rate']:.3f}); suggestions shown: mean score"
                f" {cal['suggested']['mean_probability']:.2f}, confirmed"
                f" {cal['suggested']['confirmed']:.2f}; share confirmed by score: "
                + ", ".join(
                    f"{b['from']:.1f}-{b['to']:.1f} {b['confirmed']:.0%} of {b['candidates']}"
                    for b in cal["bins"]
                ),
            )
            # the stricter split: no policy is scored by a model fitted on its sibling
            b = c["by_source"] = training.cross_validate(docs, prior_model(), by="source")
            biv = b["interval"]
            lines.insert(
                4,
                f"cross-validated ({b['folds']}, {b['groups']} sources): precision"
                f" {b['precision']:.3f}  recall {b['recall']:.3f}  F1 {b['f1']:.3f}"
                f"  ({biv['level']:.0%} interval, resampling sources: {biv['f1'][0]:.3f} to"
                f" {biv['f1'][1]:.3f}; hand-set prior F1 {b['prior']['f1']:.3f})",
            )
        if args.learning_curve:
            out["curve"] = training.learning_curve(docs, prior_model())
            lines.append("")
            lines.append(
                "learning curve (documents reviewed -> F1 on the rest; untrained F1 there)"
            )
            lines.extend(
                f"  {p['reviewed']:>3}  P {p['precision']:.3f}  R {p['recall']:.3f}"
                f"  F1 {p['f1']:.3f}  (untrained {p['untrained_f1']:.3f})"
                for p in out["curve"]
            )
            o = out["orders"] = training.learning_orders(docs, prior_model())
            g, w = o["gain_at_half"], o["worst_gain_first_documents"]
            lines.append(
                f"over {o['orders']} random orders: F1 gain after {o['half']} documents"
                f" mean {g['mean']:+.3f} (min {g['min']:+.3f}, max {g['max']:+.3f});"
                f" worst gain in the first {o['first_documents']} documents"
                f" mean {w['mean']:+.3f} (min {w['min']:+.3f})"
            )
    if args.json:
        json.dump(out, sys.stdout, indent=2)
        print()
    else:
        print("\n".join(lines))
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="competency-review",
        description="Review policy documents against a competency framework.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    a = sub.add_parser("analyze", help="parse a policy and suggest competencies for each section")
    a.add_argument("file", help=".docx, .txt or .md policy document")
    a.add_argument("--framework", default=DEFAULT_FRAMEWORK_ID, help="framework id")
    a.add_argument(
        "--tier",
        choices=("core", "all"),
        default="all",
        help="core: Core Competencies only (general agencies); all: core + advanced",
    )
    a.add_argument("--json", action="store_true", help="machine-readable output")
    a.add_argument(
        "--report", metavar="OUT.docx", help="also write a review report (suggestions only)"
    )
    a.add_argument(
        "--annotate", metavar="OUT.docx", help="also write the policy annotated with Word comments"
    )
    a.set_defaults(func=cmd_analyze)

    e = sub.add_parser("eval", help="measure the suggester on a labeled set (docs/ and gold.json)")
    e.add_argument("dir", help="directory with docs/ and gold.json")
    e.add_argument("--framework", default=DEFAULT_FRAMEWORK_ID)
    e.add_argument("--json", action="store_true")
    e.add_argument(
        "--cv",
        action="store_true",
        help="add the leave-one-document-out figure: weights and threshold fitted without the scored document",
    )
    e.add_argument(
        "--learning-curve",
        action="store_true",
        help="simulate learning from reviewers: documents in a fixed random order, refit after each",
    )
    e.set_defaults(func=cmd_eval)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return p


#: modules that add sub-commands through a ``register(subparsers)`` function, so this file stays small
_EXTRA_COMMAND_MODULES = (
    "review.admin_cli",
    "review.report_cli",
    "review.ops_cli",
    "review.store_cli",
)
_EXTRA_COMMANDS: list = []


def _load_extra_commands() -> None:
    import importlib

    for name in _EXTRA_COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import error inside the module must not be hidden
                raise
            continue
        if module.register not in _EXTRA_COMMANDS:
            _EXTRA_COMMANDS.append(module.register)


def main(argv: Sequence[str] | None = None) -> int:
    _load_extra_commands()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except UnreadableDocument as exc:
        _err(str(exc))
        return EXIT_UNREADABLE
    except FileNotFoundError as exc:
        _err(f"no such file: {exc.filename}")
        return EXIT_UNREADABLE
    except IsADirectoryError as exc:
        _err(f"is a directory, not a file: {exc.filename}")
        return EXIT_UNREADABLE
    except FrameworkError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except ReviewError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    except BrokenPipeError:  # `competency-review analyze x | head`
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
