"""Time the style-transfer chapter at 224x224 on the CPU; record its time, loss ratio and SSIM.

    python benchmarks/style_transfer.py           # update its section of RESULTS.md
    python benchmarks/style_transfer.py --strict  # ... and exit 1 if a budget is missed
    python benchmarks/style_transfer.py --no-write  # print only

Budgets (COURSE_DESIGN.md): at most 30 s on an idle 2-core CPU, and a final style loss of at most
5% of the initial one. The content is scikit-image's `chelsea` (a square crop around the face),
the style is the chapter's code-drawn waves painting, the network and settings are the chapter's
(MobileNetV2's ImageNet features, cut after `block13`). The machine's load average is recorded
too: on a shared machine the wall time is an over-estimate, the CPU time less so.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from results import machine, update_section

from course_utils.data import sample_image
from course_utils.style import FeatureExtractor, transfer, wave_painting

SIZE = 224
STEPS = 50
SETTINGS = dict(content_weight=0.05, style_weight=1.0, tv_weight=0.3, optimizer="adam")
BUDGET_S = 30.0
BUDGET_RATIO = 0.05


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--features",
        default="mobilenet_v2",
        choices=["mobilenet_v2", "random", "squeezenet", "vgg19"],
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave RESULTS.md alone"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (default 1, the course policy)"
    )
    args = parser.parse_args()
    os.environ.setdefault("COURSE_PLAIN_PROGRESS", "1")
    if args.threads:
        torch.set_num_threads(args.threads)
    from skimage.metrics import structural_similarity
    from skimage.transform import resize

    torch.manual_seed(0)
    content = sample_image("chelsea")[:, 95:395]  # 300 x 300 around the cat's face
    style = wave_painting(SIZE, seed=0)
    extractor = FeatureExtractor(args.features)
    load_before = os.getloadavg()[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    image, history = transfer(
        content, style, size=(SIZE, SIZE), steps=STEPS, features=extractor, **SETTINGS
    )
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    load_after = os.getloadavg()[0]
    ratio = history["style"][-1] / history["style"][0]
    reference = resize(content, (SIZE, SIZE), anti_aliasing=True).astype(np.float32)
    ssim = structural_similarity(reference, image, channel_axis=2, data_range=1.0)
    ssim_style = structural_similarity(reference, style, channel_axis=2, data_range=1.0)
    time_ok, ratio_ok = seconds <= BUDGET_S, ratio <= BUDGET_RATIO
    print(
        f"{SIZE}x{SIZE}, {STEPS} evaluations: {seconds:.1f} s wall ({cpu_seconds:.1f} s CPU), "
        f"style loss {history['style'][0]:.3g} -> {history['style'][-1]:.3g} (ratio {ratio:.3f}), "
        f"SSIM to content {ssim:.3f}, load average {load_before:.1f} -> {load_after:.1f}"
    )
    if not args.no_write:
        weights = "/".join(
            str(SETTINGS[k]) for k in ("content_weight", "style_weight", "tv_weight")
        )
        update_section(
            "style_transfer",
            f"""## Style transfer at {SIZE}x{SIZE}

`python benchmarks/style_transfer.py`: one `course_utils.style.transfer` call, content `chelsea`
(square crop), style `wave_painting({SIZE})`, {STEPS} Adam steps (lr 0.05),
content/style/TV weights {weights}.
Features: {extractor.describe()}.
Machine: {machine()}; load average {load_before:.1f} before, {load_after:.1f} after (a busy machine
inflates the wall time).

| measure | value | budget | within |
|---|---:|---:|---|
| wall time (s) | {seconds:.1f} | {BUDGET_S:.0f} | {"yes" if time_ok else "**no**"} |
| CPU time of this process (s) | {cpu_seconds:.1f} | | |
| final / initial style loss | {ratio:.3f} | {BUDGET_RATIO} | {"yes" if ratio_ok else "**no**"} |
| SSIM of the result to the content | {ssim:.3f} | | |
| SSIM of the style image to the content (for scale) | {ssim_style:.3f} | | |""",
        )
    return 0 if (time_ok and ratio_ok) or not args.strict else 1


if __name__ == "__main__":
    raise SystemExit(main())
