"""Interactive explorers built on ipywidgets (from convolutions on).

Explorers are extras: every chapter that calls one also makes its point with a static figure.
They need a live Jupyter kernel. In plain-progress mode (`COURSE_PLAIN_PROGRESS=1`, which
`make notebooks`, `make test` and the benchmarks set when notebooks are executed for storage)
an explorer prints one line and returns `None`, so stored notebooks carry no widget state.
"""

from __future__ import annotations

import io

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from course_utils._validate import as_float_array, as_unit_pixels, require_finite
from course_utils.filters import _check_name, describe_kernel, get_kernel, kernel_names
from course_utils.i18n import _
from course_utils.ops import conv2d
from course_utils.plotting import DISPLAY_DPI
from course_utils.plotting.audit import audit_enabled, check_figure
from course_utils.progress import plain_mode

__all__ = ["kernel_explorer", "filter_image"]

CUSTOM = "custom"
_LUMA = np.array([0.2125, 0.7154, 0.0721])  # the weights skimage.color.rgb2gray uses

FIGURE_SIZE = (7, 3.4)  # inches of the kernel explorer's figure


def _as_gray(image, func: str) -> np.ndarray:
    """A (H, W) float64 image from (H, W), (H, W, 3) or (3, H, W) input; else an error.

    Pixels follow the course's one policy (`as_unit_pixels`): integers are 0-255 values,
    divided by 255; floats must lie in [0, 1]; NaN is refused.
    """
    as_float_array(image, "image", func, (2, 3))  # the type and shape errors
    pixels = image.detach().cpu().numpy() if hasattr(image, "detach") else image
    array = as_unit_pixels(np.asarray(pixels), "image", func).astype(np.float64)
    if array.ndim == 3:
        if array.shape[-1] == 3:
            array = array @ _LUMA
        elif array.shape[0] == 3:
            array = np.tensordot(_LUMA, array, axes=1)
        else:
            raise ValueError(
                f"{func}: a 3-D `image` must be colour, (H, W, 3) or (3, H, W); "
                f"got shape {tuple(array.shape)}"
            )
    if min(array.shape) < 3:
        raise ValueError(
            f"{func}: `image` must be at least 3x3 pixels, got shape {tuple(array.shape)}"
        )
    return array


def filter_image(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Cross-correlate a grayscale image with one 2-D kernel, keeping its size (convolutions).

    `image` is (H, W) or a colour image (H, W, 3) / (3, H, W), which is first turned to gray.
    Zero padding of `(kH - 1) // 2` rows and `(kW - 1) // 2` columns keeps the size for odd
    kernels. This is what `kernel_explorer` shows.
    """
    gray = _as_gray(image, "filter_image")
    weights = require_finite(
        as_float_array(kernel, "kernel", "filter_image", (2,)), "kernel", "filter_image"
    )
    if weights.shape[0] > gray.shape[0] or weights.shape[1] > gray.shape[1]:
        raise ValueError(
            f"filter_image: `kernel` {tuple(weights.shape)} is larger than "
            f"`image` {tuple(gray.shape)}"
        )
    padding = ((weights.shape[0] - 1) // 2, (weights.shape[1] - 1) // 2)
    return conv2d(gray[None], weights[None, None], padding=padding)[0]


def kernel_explorer(image: np.ndarray, kernel: str = "sobel_x") -> ipywidgets.HBox | None:
    """Edit a 3x3 kernel, or pick a preset, and see the filtered image (convolutions).

    `image` is grayscale (H, W) or colour (H, W, 3) / (3, H, W), turned to gray; `kernel` is
    the preset shown first, one of `course_utils.filters.kernel_names()`. Returns the explorer
    widget to display (the last expression of a cell displays it).
    In plain-progress mode (`COURSE_PLAIN_PROGRESS=1`) it prints one line saying that the
    explorer needs a live kernel and returns `None` instead, so no widget state is stored.
    """
    gray = _as_gray(image, "kernel_explorer")
    _check_name(kernel, "kernel_explorer", "kernel")
    if plain_mode():
        # a stored output is read in the book: say what to do, not why (no test plumbing)
        print(
            _("The kernel explorer needs a live Jupyter kernel: run this notebook in JupyterLab.")
        )
        return None
    return _KernelExplorer(gray, kernel).widget


class _KernelExplorer:
    """The widgets and callbacks behind `kernel_explorer` (kept apart so tests can drive them)."""

    def __init__(self, gray: np.ndarray, kernel: str):
        self.gray = gray
        self._syncing = False
        self.preset = ipywidgets.Dropdown(
            options=[*kernel_names(), CUSTOM],
            value=kernel,
            description=_("preset"),
            layout=ipywidgets.Layout(width="220px"),
        )
        self.entries = [
            ipywidgets.FloatText(
                value=0.0, step=0.1, continuous_update=False, layout=ipywidgets.Layout(width="70px")
            )
            for _skip in range(9)
        ]
        self.relu = ipywidgets.Checkbox(
            value=False, description=_("apply ReLU, max(0, x)"), indent=False
        )
        self.info = ipywidgets.HTML()
        self.picture = ipywidgets.Image(format="png", width=FIGURE_SIZE[0] * DISPLAY_DPI)
        grid = ipywidgets.GridBox(
            self.entries,
            layout=ipywidgets.Layout(grid_template_columns="repeat(3, 76px)", grid_gap="4px"),
        )
        controls = ipywidgets.VBox(
            [
                self.preset,
                ipywidgets.HTML(_("<b>kernel</b> (press Enter after editing)")),
                grid,
                self.relu,
                self.info,
            ]
        )
        self.widget = ipywidgets.HBox([controls, self.picture])
        self.preset.observe(self._on_preset, names="value")
        for entry in self.entries:
            entry.observe(self._on_entry, names="value")
        self.relu.observe(lambda _change: self.redraw(), names="value")
        self._load(kernel)

    @property
    def kernel(self) -> np.ndarray:
        """The 3x3 kernel the entries hold now."""
        return np.array([entry.value for entry in self.entries], dtype=np.float64).reshape(3, 3)

    def _load(self, name: str) -> None:
        self._syncing = True
        try:
            for entry, value in zip(self.entries, get_kernel(name).ravel(), strict=True):
                entry.value = round(float(value), 4)
        finally:
            self._syncing = False
        self.redraw()

    def _on_preset(self, change) -> None:
        if change["new"] != CUSTOM:
            self._load(change["new"])

    def _on_entry(self, _change) -> None:
        if self._syncing:
            return
        if self.preset.value != CUSTOM:
            self._syncing = True
            try:
                self.preset.value = CUSTOM
            finally:
                self._syncing = False
        self.redraw()

    def filtered(self) -> np.ndarray:
        """The image filtered by the current kernel, after ReLU when the box is ticked."""
        result = filter_image(self.gray, self.kernel)
        return np.maximum(result, 0.0) if self.relu.value else result

    def redraw(self) -> None:
        """Recompute the feature map and redraw the figure (a PNG in an Image widget)."""
        kernel = self.kernel
        result = self.filtered()
        name = self.preset.value
        about = describe_kernel(name) if name != CUSTOM else _("your own kernel")
        self.info.value = _("{about}<br>sum of weights: {total:.3g}").format(
            about=about, total=kernel.sum()
        )
        # A kernel whose weights sum to 1 keeps brightness: show its output as a photo (gray).
        # Otherwise the output is signed: a diverging map centred on 0 tells + from -.
        keeps_brightness = abs(kernel.sum() - 1.0) < 1e-3 and not self.relu.value
        fig = Figure(figsize=FIGURE_SIZE, dpi=DISPLAY_DPI, layout="constrained")
        axes = fig.subplots(1, 2)
        axes[0].imshow(self.gray, cmap="gray", vmin=0.0, vmax=1.0)
        axes[0].set_title(_("input"))
        if keeps_brightness:
            shown = axes[1].imshow(result, cmap="gray", vmin=0.0, vmax=1.0)
        else:
            limit = float(np.abs(result).max()) or 1.0
            shown = axes[1].imshow(result, cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[1].set_title(_("feature map ({name})").format(name=name))
        for ax in axes:
            ax.set_xlabel(_("column"))
            ax.set_ylabel(_("row"))
        fig.colorbar(shown, ax=axes[1], shrink=0.8, label=_("value"))
        if audit_enabled():  # under the notebook tests: no overlapping or tiny text
            check_figure(fig, cropped=False)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=2 * DISPLAY_DPI)  # shown at half size: crisp on HiDPI
        self.picture.value = buffer.getvalue()
