#!/usr/bin/env python3
"""Prints one Markdown table row per experiment directory from its own result files.

    ablation-table.py EXP_DIR...      e.g. ablation-table.py exp/ablation-*

Columns (pooled over the held-out utterances, as `eval.json` means): the teacher's validation
NLL (bits/sample) and training seconds, the teacher's samples' voicing (VDE %, voiced % against
the reference's), the student's distillation seconds, KL (nats/sample), LSD and MCD (dB), and
voicing (VDE %, GPE %, fine f0 RMSE in cents, f0 RMSE in cents, voiced % against the
reference's). A missing figure prints as '-'. Standard library only.
"""
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def voicing(system):
    v = (system or {}).get("voicing") or {}
    return v


def row(exp):
    name = os.path.basename(os.path.normpath(exp))
    teacher = load(os.path.join(exp, "02-train-teacher", "result.json")) or {}
    distill = load(os.path.join(exp, "03-distill", "result.json")) or {}
    ev = load(os.path.join(exp, "05-evaluate", "eval.json")) or {}
    tv, sv = voicing(ev.get("teacher")), voicing(ev.get("student"))
    student = ev.get("student") or {}
    nll = ((teacher.get("validation") or {}).get("nll_bits_per_sample"))
    cells = [
        name,
        fmt(nll, 3), fmt(teacher.get("seconds"), 0),
        fmt(tv.get("vde_percent")), f"{fmt(tv.get('voiced_percent'), 0)} / {fmt(tv.get('reference_voiced_percent'), 0)}",
        fmt(distill.get("seconds"), 0), fmt(ev.get("student_kl_nats_per_sample"), 2),
        fmt(student.get("lsd_db"), 2), fmt(student.get("mcd_db"), 2),
        fmt(sv.get("vde_percent")), fmt(sv.get("gross_pitch_error_percent")), fmt(sv.get("fine_f0_rmse_cents"), 0),
        fmt(sv.get("f0_rmse_cents"), 0), f"{fmt(sv.get('voiced_percent'), 0)} / {fmt(sv.get('reference_voiced_percent'), 0)}",
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    print("| experiment | teacher NLL (bits) | teacher s | teacher VDE % | teacher voiced % (ref) | distill s | KL | "
          "student LSD dB | MCD dB | VDE % | GPE % | fine f0 RMSE | f0 RMSE | voiced % (ref) |")
    print("|" + "---|" * 14)
    for exp in argv[1:]:
        print(row(exp))


if __name__ == "__main__":
    main(sys.argv)
