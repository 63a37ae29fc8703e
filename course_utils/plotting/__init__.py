"""Figures used across chapters (`figures`), diagrams drawn from code (`diagrams`) and the
figure text audit the notebook tests run on every figure (`audit`)."""

from course_utils.plotting.audit import FigureTextError, check_figure, figure_problems
from course_utils.plotting.diagrams import draw_multichannel_conv, draw_volumes, draw_windows
from course_utils.plotting.figures import (
    COLUMN_PX,
    DISPLAY_DPI,
    MAX_WIDTH_IN,
    MIN_FONT_PT,
    animation_html,
    show_feature_maps,
    show_heatmap_overlay,
    show_images,
    show_numbers,
    to_numpy_image,
    use_course_style,
)

__all__ = [
    "COLUMN_PX",
    "DISPLAY_DPI",
    "MAX_WIDTH_IN",
    "MIN_FONT_PT",
    "use_course_style",
    "to_numpy_image",
    "show_images",
    "show_feature_maps",
    "show_numbers",
    "show_heatmap_overlay",
    "animation_html",
    "draw_volumes",
    "draw_multichannel_conv",
    "draw_windows",
    "figure_problems",
    "check_figure",
    "FigureTextError",
]
