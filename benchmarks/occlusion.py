"""Batched occlusion (course_utils.interpret) versus Captum's Occlusion, side by side.

    python benchmarks/occlusion.py   # time both, update RESULTS.md's "occlusion" section
    python benchmarks/occlusion.py --repeats 5 --images 16

Both explain the same model (the course's DigitCNN architecture, fixed random weights: speed does
not depend on the weights) on the same 28x28 digits, window 4, stride 2, baseline 0, one
target per image. Captum runs with its default `perturbations_per_eval=1` (one masked copy per
image per forward pass); for context it also runs with every window position in one pass. The
runs alternate and the median of `--repeats` is reported, so a busy machine slows all alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from captum.attr import Occlusion

sys.path.insert(0, str(Path(__file__).parent))
from results import machine, update_section

from course_utils.data import load_mnist_5k
from course_utils.interpret import occlusion, occlusion_positions
from course_utils.models import DigitCNN

WINDOW, STRIDE = 4, 2


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--images", type=int, default=8, help="digits explained per call (default 8)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs of each method (default 3)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave RESULTS.md alone"
    )
    args = parser.parse_args()

    torch.manual_seed(0)
    model = DigitCNN().eval()
    images, labels = load_mnist_5k()
    picks = torch.arange(args.images) * (len(labels) // args.images)  # digits of several classes
    x, target = images[picks], labels[picks]
    positions = len(occlusion_positions(28, WINDOW, STRIDE)) ** 2

    methods = {
        "course_utils `occlusion` (batched)": lambda: occlusion(model, x, target, WINDOW, STRIDE),
        "Captum `Occlusion`, perturbations_per_eval=1 (default)": lambda: Occlusion(
            model
        ).attribute(
            x,
            sliding_window_shapes=(1, WINDOW, WINDOW),
            strides=(1, STRIDE, STRIDE),
            baselines=0.0,
            target=target,
        ),
        f"Captum `Occlusion`, perturbations_per_eval={positions}": lambda: Occlusion(
            model
        ).attribute(
            x,
            sliding_window_shapes=(1, WINDOW, WINDOW),
            strides=(1, STRIDE, STRIDE),
            baselines=0.0,
            target=target,
            perturbations_per_eval=positions,
        ),
    }
    outputs = {name: run() for name, run in methods.items()}  # warm-up, and the correctness check
    reference = outputs[next(iter(methods))]
    max_diff = max(float((out - reference).abs().max()) for out in outputs.values())
    assert max_diff < 1e-5, f"the methods disagree by {max_diff:.2e}"

    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(args.repeats):
        for name, run in methods.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in times.items()}
    ours, captum_default = list(median.values())[:2]
    ratio = captum_default / ours

    rows = "\n".join(
        f"| {name} | {median[name]:.3f} | {median[name] / ours:.1f} |" for name in methods
    )
    body = f"""## Occlusion: batched versus Captum

`python benchmarks/occlusion.py` ({args.images} MNIST digits, 28x28, window {WINDOW},
stride {STRIDE}, baseline 0, {positions} window positions per image; the course's `DigitCNN`
architecture; median of {args.repeats} alternating runs; all methods agree to {max_diff:.1e}).
Machine: {machine()}.

| method | seconds | time / batched |
|---|---:|---:|
{rows}

Batched occlusion is **{ratio:.1f}x** as fast as Captum's default
(budget: at least as fast, ratio >= 1: {"met" if ratio >= 1 else "**not met**"})."""
    print(body)
    if not args.no_write:
        update_section("occlusion", body)
    return 0 if ratio >= 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
