"""The nbval extension compares numbers within a cell's declared tolerance, and nothing else."""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbval_tolerance import (
    WRAPPED,
    figure_tolerance_of,
    numbers_close,
    paired_numbers,
    rules_of,
    texts_agree,
    tolerance_of,
)
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("fresh", "stored"),
    [
        ("loss 0.4919, accuracy 0.9735", "loss 0.4920, accuracy 0.9722"),
        ("[0.9735, 0.9742]", "[0.9722, 0.972]"),  # a trailing zero dropped by repr
        ("logits -9.66", "logits -9.7"),
        ("max diff 7.15e-07", "max diff 0.00e+00"),
        ("nan stays nan", "nan stays nan"),
        ("[-9.7   4.67 -2.3  -0.55]", "[-9.66  4.65 -2.32 -0.55]"),  # NumPy re-aligns the columns
    ],
)
def test_numbers_within_tolerance_agree(fresh, stored):
    assert texts_agree(fresh, stored, rtol=0.0, atol=0.05)


@pytest.mark.parametrize(
    ("fresh", "stored", "why"),
    [
        ("loss 0.60", "loss 0.49", "a number outside the tolerance"),
        ("val loss 0.49", "loss 0.49", "a word changed"),
        ("loss 0.49 0.5", "loss 0.49", "a number appeared"),
        ("loss nan", "loss 0.49", "a NaN where a number was"),
        ("accuracy 0.97.", "accuracy 0.97!", "punctuation changed"),
        ("loss 0.49\nacc 0.9", "loss 0.49 acc 0.9", "a line break is not a space"),
    ],
)
def test_anything_but_close_numbers_disagrees(fresh, stored, why):
    assert not texts_agree(fresh, stored, rtol=0.0, atol=0.05), why


def test_rtol_scales_with_the_stored_value():
    assert numbers_close("1010", "1000", rtol=0.02, atol=0.0)
    assert not numbers_close("1030", "1000", rtol=0.02, atol=0.0)
    assert not numbers_close("inf", "1000", rtol=1.0, atol=1.0)


def test_tolerance_metadata_is_read_and_checked():
    assert tolerance_of({}) is None
    assert tolerance_of({"tolerance": {"atol": 0.01}}) == (0.0, 0.01)
    with pytest.raises(ValueError, match="rtol"):
        tolerance_of({"tolerance": {"rtol": -1}})


@pytest.mark.parametrize(
    ("fresh", "stored"),
    [
        ("class: 0 1 3", "class: 0 1 2"),  # 09: the class row of a tolerant logit table
        ("class-8 map is zero", "class-7 map is zero"),  # a number attached to a word
        ("on 99 of 100", "on 100 of 100"),  # a count
        ("of 100: 95", "of 101: 95"),
        ("block4 0.30", "block3 0.30"),
        ("225x224 pixels", "224x224 pixels"),
        ("8s recognised 95.0%", "7s recognised 95.0%"),
        ("5-NN 0.95", "4-NN 0.95"),
        ("layers +16-17", "layers +16-18"),
        ("digit 437: 0.38", "digit 436: 0.38"),
    ],
)
def test_labels_and_counts_stay_exact_under_a_wide_tolerance(fresh, stored):
    assert not texts_agree(fresh, stored, rtol=0.15, atol=3)


def test_decimals_beside_labels_still_move():
    assert texts_agree("class-7: 0.52, 100 of 100", "class-7: 0.50, 100 of 100", 0.0, 0.05)
    assert texts_agree("block3 1.2e-05", "block3 1.0e-05", 0.0, 1e-5)


def test_an_integer_moves_only_where_the_cell_opts_it_in():
    rules = rules_of({"tolerance": {"atol": 3, "loose_integers": [r"on +(\d+) of"]}})
    assert texts_agree("class-7 on  98 of 100", "class-7 on 100 of 100", 0, 3, rules)
    assert not texts_agree("class-7 on  90 of 100", "class-7 on 100 of 100", 0, 3, rules)
    assert not texts_agree("class-7 on 100 of 99", "class-7 on 100 of 100", 0, 3, rules)
    assert not texts_agree("class-8 on 100 of 100", "class-7 on 100 of 100", 0, 3, rules)
    whole = rules_of({"tolerance": {"atol": 1, "loose_integers": [r"\d+%"]}})
    assert texts_agree("96% of 12", "95% of 12", 0, 1, whole)
    assert not texts_agree("95% of 13", "95% of 12", 0, 1, whole)


def test_a_cell_can_keep_decimals_exact():
    rules = rules_of({"tolerance": {"atol": 0.1, "exact": [r"weight (\S+)"]}})
    assert texts_agree("weight 0.1: loss 0.52", "weight 0.1: loss 0.50", 0, 0.1, rules)
    assert not texts_agree("weight 0.11: loss 0.50", "weight 0.1: loss 0.50", 0, 0.1, rules)


@pytest.mark.parametrize(
    "spec",
    [{"atol": 1, "loose_integers": r"\d+"}, {"atol": 1, "exact": ["(unclosed"]}],
)
def test_integer_and_exact_patterns_are_checked(spec):
    with pytest.raises(ValueError, match="tolerance"):
        rules_of({"tolerance": spec})


def test_nbval_still_has_the_method_the_plugin_wraps():
    """The plugin replaces nbval's IPyNbCell.compare_outputs: a new nbval must fail here first."""
    from nbval import plugin

    pin = re.search(r'"nbval([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pin is not None and pin.group(1) == ">=0.11,<0.12", "the pinned range was tested"
    assert version("nbval") in SpecifierSet(pin.group(1)), f"nbval {version('nbval')} is untested"
    owner, name = WRAPPED[0].split(".")
    cell_class = getattr(plugin, owner)
    original = getattr(cell_class, "_course_exact_compare", getattr(cell_class, name))
    parameters = tuple(inspect.signature(original).parameters)
    assert parameters == WRAPPED[1], (
        f"nbval's {WRAPPED[0]} now takes {parameters}, the plugin wraps {WRAPPED[1]}: "
        "check tests/nbval_tolerance.py against the new nbval before widening the pin"
    )
    runtest = inspect.getsource(cell_class.runtest)
    assert "self.compare_outputs(outs, coalesce_streams(self.cell.outputs))" in runtest
    assert "'image/png', 'image/jpeg'" in inspect.getsource(plugin.IPyNbFile.__init__), (
        "nbval no longer skips images: the plugin's figure comparison would run twice"
    )


def _kernel_notebook(cells: list[tuple[str, dict]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(code, metadata=meta) for code, meta in cells]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def _outcomes(pytester, path: Path) -> tuple[dict[int, str], str]:
    """nbval's verdict on each code cell of `path` (number -> PASSED/FAILED), and its output."""
    result = pytester.runpytest_subprocess(
        "--nbval", "--nbval-current-env", "-p", "nbval_tolerance", "-v", str(path.name)
    )
    text = result.stdout.str()
    found = re.findall(r"::Cell (\d+) (PASSED|FAILED)", text)
    return {int(cell): verdict for cell, verdict in found}, text


NUMBER_CELLS = [  # (stored text, metadata, verdict); every cell prints the same three lines
    ("loss 0.5\nsteps 10\nclass-7: 100 of 100\n", {"tolerance": {"atol": 0.001}}, "PASSED"),
    ("loss 0.5\nsteps 10\nclass-7: 100 of 100\n", {}, "FAILED"),  # exact by default
    ("loss 0.5\nsteps 10\nclass-7: 100 of 100\n", {"tolerance": {"atol": 0.0001}}, "FAILED"),
    ("loss 0.5\nsteps 11\nclass-7: 100 of 100\n", {"tolerance": {"atol": 5}}, "FAILED"),  # count
    ("loss 0.5\nsteps 10\nclass-8: 100 of 100\n", {"tolerance": {"atol": 5}}, "FAILED"),  # label
    ("loss 0.5\nsteps 10\nclass-7:  99 of 100\n", {"tolerance": {"atol": 5}}, "FAILED"),  # count
    (
        "loss 0.5\nsteps 10\nclass-7:  99 of 100\n",
        {"tolerance": {"atol": 5, "loose_integers": [r"(\d+) of 100"]}},
        "PASSED",  # the cell declares that this count moves
    ),
    (
        "loss 0.5\nsteps 10\nclass-7: 100 of 99\n",
        {"tolerance": {"atol": 5, "loose_integers": [r"(\d+) of \d+"]}},
        "FAILED",  # only the group moves
    ),
    ("cost 0.5\nsteps 10\nclass-7: 100 of 100\n", {"tolerance": {"atol": 1.0}}, "FAILED"),  # words
]


@pytest.mark.slow  # starts a kernel
def test_the_plugin_inside_nbval(pytester, monkeypatch):
    """A float within the tolerance passes; a changed label or count fails under any tolerance."""
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))
    code = "print('loss', round(0.5 + 0.0004, 4))\nprint('steps', 10)\nprint('class-7: 100 of 100')"
    nb = _kernel_notebook([(code, metadata) for _, metadata, _ in NUMBER_CELLS])
    for number, (cell, (stored, _, _)) in enumerate(zip(nb.cells, NUMBER_CELLS, strict=True)):
        cell.execution_count = number + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored)]
    nbformat.write(nb, pytester.path / "numbers.ipynb")
    outcomes, text = _outcomes(pytester, pytester.path / "numbers.ipynb")
    assert outcomes == {i: verdict for i, (_, _, verdict) in enumerate(NUMBER_CELLS)}, text


FIGURE_SETUP = """\
%config InlineBackend.print_figure_kwargs = {"bbox_inches": None}
import matplotlib.pyplot as plt
import numpy as np
rng = np.random.default_rng(0)
img = np.add.outer(np.linspace(0, 1, 24), np.zeros(24)) + 0.2 * rng.random((24, 24))
def show(image, cmap="gray", size=(3, 3), panels=1, drawn=None):
    fig, axes = plt.subplots(1, panels, figsize=size, squeeze=False)
    for k, ax in enumerate(axes[0]):
        if drawn is None or k < drawn:
            ax.imshow(image, cmap=cmap, vmin=0, vmax=1.2)
        ax.axis("off")
    plt.show()
"""
FIGURE_CELLS = [  # (stored by, re-executed as, metadata, verdict, what the failure says)
    ("show(img)", "show(img)", {}, "PASSED", ""),
    ("show(img)", "show(img + 0.01 * rng.random(img.shape))", {}, "PASSED", ""),  # float noise
    ("show(img)", "show(np.full_like(img, np.nan))", {}, "FAILED", "blank"),  # blank
    ("show(img)", "show(img, cmap='viridis')", {}, "FAILED", "differs"),  # colormap swapped
    ("show(img)", "show(img.T)", {}, "FAILED", "differs"),  # transposed
    (
        "show(img, size=(9, 2), panels=6)",
        "show(img, size=(9, 2), panels=6, drawn=5)",
        {},
        "FAILED",
        "differs",
    ),  # a missing panel
    ("show(img)", "show(img, size=(3, 3.2))", {}, "FAILED", "changed size"),
    ("show(img)", "print('no figure')", {}, "FAILED", "drew 0 figure"),
    ("show(img)", "show(img + 0.3 * rng.random(img.shape))", {}, "FAILED", "differs"),
    (
        "show(img)",
        "show(np.full_like(img, np.nan))",
        {"figure_tolerance": {"max_diff": 0.9, "reason": "no tolerance lets a blank figure by"}},
        "FAILED",
        "blank",
    ),
    (
        "show(img)",
        "show(img + 0.3 * rng.random(img.shape))",
        {"figure_tolerance": {"max_diff": 0.3, "reason": "noise that the cell declares"}},
        "PASSED",
        "",
    ),
]


@pytest.mark.slow  # starts two kernels
def test_figures_are_compared(pytester, monkeypatch):
    """A blank, recoloured, transposed, resized or incomplete figure fails; the same one passes."""
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))
    cells = [(FIGURE_SETUP, {})] + [(row[0], row[2]) for row in FIGURE_CELLS]
    stored = _kernel_notebook(cells)
    NotebookClient(stored, kernel_name="python3").execute()
    for cell, row in zip(stored.cells[1:], FIGURE_CELLS, strict=True):
        cell.source = row[1]
    nbformat.write(stored, pytester.path / "figures.ipynb")
    outcomes, text = _outcomes(pytester, pytester.path / "figures.ipynb")
    expected = {0: "PASSED"} | {i + 1: row[3] for i, row in enumerate(FIGURE_CELLS)}
    assert outcomes == expected, text
    for row in FIGURE_CELLS:
        assert row[3] == "PASSED" or row[4] in text, f"{row[1]}: no clear message\n{text}"


def test_paired_numbers_pairs_only_texts_that_differ_in_their_numbers():
    """benchmarks/spreads.py measures spreads with the same pairing the plugin compares with."""
    assert paired_numbers("loss 0.42, rise 0.68", "loss 0.37, rise  0.49") == [
        ("0.42", "0.37"),
        ("0.68", "0.49"),
    ]
    assert paired_numbers("loss 0.42", "gain 0.42") is None
    assert paired_numbers("loss 0.42 0.1", "loss 0.42") is None


def test_other_cpu_runs_both_foreign_configurations():
    """CI's second pass runs the notebooks with portable kernels (2 threads) and AVX2 (1 thread)."""
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    target = makefile.split("\ntest-other-cpu:", 1)[1].split("\n\n", 1)[0]
    assert "$(OTHER_CPU)" in target and "$(AVX2_CPU)" in target
    assert "ATEN_CPU_CAPABILITY=avx2 COURSE_NUM_THREADS=1" in makefile


def test_every_declared_tolerance_reads_and_says_why():
    """Each cell's number rules and figure tolerance parse; a figure tolerance gives its reason."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            rules_of(cell.metadata)
            assert figure_tolerance_of(cell.metadata) > 0, f"{path.name}, cell {i}"
            if "figure_tolerance" in cell.metadata:
                assert cell.cell_type == "code", f"{path.name}, cell {i}: not a code cell"
                reason = cell.metadata["figure_tolerance"].get("reason", "")
                assert len(reason) > 10, f"{path.name}, cell {i}: say why its figures may move"
