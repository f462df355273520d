#!/usr/bin/env python3
"""Data-parallel scaling of wavedistill training, measured on one machine and projected to many.

Usage: scripts/scaling-projection.py SINGLE.json [--recipe Pipelines/ru_nsh.yaml] [--latency-us 50]
                                     [--link-efficiency 0.8]

SINGLE.json is `wavedistill bench-training --json` of one process using the whole machine
(docs/distributed.md gives the commands). For each timed path it takes the median step time
T and the gradient size S = 4 bytes x parameters, and models N machines, each running the same
step on its own crops (the global batch grows N-fold), joined by a ring allreduce:

    T_allreduce(N) = 2 (N - 1) / N * S / B  +  2 (N - 1) * latency
    efficiency(N)  = T / (T + T_allreduce(N))          (no overlap of compute and communication)

with B the link's bandwidth times --link-efficiency. It prints the efficiency for 2..256
machines at 10, 25 and 100 Gb/s, and the wall time of the recipe's training stages: the
samples they train on (steps x batch_size x crop_samples) over N x samples/s x efficiency. That
assumes the recipe keeps its samples when its batch grows (steps / N at N-fold batch, with the
learning rate scaled to match), which has to be checked by training, not by this model.
"""
import argparse
import json
import re
import sys

MACHINES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
LINKS_GBPS = [10, 25, 100]


def recipe_samples(path):
    """steps * batch_size * crop_samples of training.teacher and training.student (a plain reader
    for the recipe's two blocks, so the script needs no YAML library)."""
    text = open(path).read()
    block = text[text.index("\ntraining:"):]
    out = {}
    for stage in ("teacher", "student"):
        part = block[block.index(f"\n  {stage}:"):]
        nxt = re.search(r"\n  \w+:", part[1:])
        part = part[: nxt.start() + 1] if nxt else part
        values = {k: int(re.search(rf"\n\s+{k}:\s*(\d+)", part).group(1)) for k in ("steps", "batch_size", "crop_samples")}
        out[stage] = values["steps"] * values["batch_size"] * values["crop_samples"]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("single")
    parser.add_argument("--recipe", default="Pipelines/ru_nsh.yaml")
    parser.add_argument("--latency-us", type=float, default=50.0)
    parser.add_argument("--link-efficiency", type=float, default=0.8)
    args = parser.parse_args()
    report = json.load(open(args.single))
    samples = recipe_samples(args.recipe)
    stage_of = {"teacher_step": "teacher", "distill_step": "student", "distill_step_no_spectral": "student"}
    for r in report["results"]:
        t, params = r["median_step_s"], r["parameters"]
        grad_bytes = 4 * params
        rate = r["samples_per_s"]
        print(f"\n### {r['model']} {r['path']}: {params:,} parameters ({grad_bytes / 1e6:.1f} MB of gradient), "
              f"{t:.3f} s/step, {rate:,.0f} samples/s on one machine")
        print("\n| machines | " + " | ".join(f"efficiency at {g} Gb/s" for g in LINKS_GBPS) + " |")
        print("|---|" + "---|" * len(LINKS_GBPS))
        for n in MACHINES[1:]:
            cells = []
            for g in LINKS_GBPS:
                bw = g * 1e9 / 8 * args.link_efficiency
                ar = 2 * (n - 1) / n * grad_bytes / bw + 2 * (n - 1) * args.latency_us * 1e-6
                cells.append(f"{100 * t / (t + ar):.1f} %")
            print(f"| {n} | " + " | ".join(cells) + " |")
        stage = stage_of.get(r["path"])
        if stage:
            total = samples[stage]
            print(f"\nWall time of {args.recipe}'s {stage} stage ({total:.3g} samples):\n")
            print("| machines | " + " | ".join(f"{g} Gb/s" for g in LINKS_GBPS) + " |")
            print("|---|" + "---|" * len(LINKS_GBPS))
            for n in MACHINES:
                cells = []
                for g in LINKS_GBPS:
                    bw = g * 1e9 / 8 * args.link_efficiency
                    ar = 0 if n == 1 else 2 * (n - 1) / n * grad_bytes / bw + 2 * (n - 1) * args.latency_us * 1e-6
                    hours = total / (n * rate * t / (t + ar)) / 3600
                    cells.append(f"{hours:,.1f} h")
                print(f"| {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
