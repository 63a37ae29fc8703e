"""What one pass of the real network costs: MobileNetV2 forward, and forward + backward.

    python benchmarks/imagenet.py              # update RESULTS.md's "imagenet" section
    python benchmarks/imagenet.py --no-write   # print only

One torch thread (the course's policy), one image, at the sizes the chapters use. The backward
pass is with respect to the image (as saliency, Grad-CAM, feature visualization and style
transfer need), the weights frozen. Each figure is the median of `--repeats` timed runs after
two warm-up runs; the truncated rows stop after a block of `features`, as a lesson that needs
only the early layers does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from results import machine, update_section

from course_utils.imagenet import imagenet_classifier


def _median_ms(step, repeats: int) -> float:
    for _ in range(2):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _passes(network: torch.nn.Module, size: int, repeats: int) -> tuple[float, float]:
    x = torch.rand(1, 3, size, size)

    def forward() -> None:
        with torch.no_grad():
            network(x)

    def forward_backward() -> None:
        image = x.clone().requires_grad_(True)
        network(image).sum().backward()

    return _median_ms(forward, repeats), _median_ms(forward_backward, repeats)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=9, help="timed runs each (default 9)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = imagenet_classifier(fetch=False)
    rows = [
        ("whole network", model, 224),
        ("whole network", model, 160),
        ("whole network", model, 128),
        ("`features[:8]` (to 64 channels, stride 16)", model.features[:8], 224),
        ("`features[:4]` (to 24 channels, stride 4)", model.features[:4], 224),
    ]
    lines = [
        "## The ImageNet network: one pass",
        "",
        "`python benchmarks/imagenet.py` (torchvision's MobileNetV2, `IMAGENET1K_V1`, one torch",
        "thread, one image; backward with respect to the image, weights frozen; median of "
        f"{args.repeats}).",
        f"Machine: {machine()}.",
        "",
        "| network | input | forward (ms) | forward + backward (ms) |",
        "|---|---:|---:|---:|",
    ]
    for name, network, size in rows:
        forward, both = _passes(network, size, args.repeats)
        lines.append(f"| {name} | {size}x{size} | {forward:.0f} | {both:.0f} |")
        print(lines[-1], flush=True)
    if not args.no_write:
        update_section("imagenet", "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
