"""The nbval extension compares numbers within a cell's declared tolerance, and nothing else."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbval_tolerance import numbers_close, paired_numbers, texts_agree, tolerance_of


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


NOTEBOOK_CODE = "print('loss', round(0.5 + 0.0004, 4))\nprint('steps', 10)"


def _notebook(path, stored_text, metadata):
    cell = nbformat.v4.new_code_cell(NOTEBOOK_CODE, metadata=metadata, execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored_text)]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


@pytest.mark.slow  # each case starts a kernel
@pytest.mark.parametrize(
    ("stored", "metadata", "outcome"),
    [
        ("loss 0.5\nsteps 10\n", {"tolerance": {"atol": 0.001}}, "passed"),  # 0.5004 is close
        ("loss 0.5\nsteps 10\n", {}, "failed"),  # exact by default
        ("loss 0.5\nsteps 10\n", {"tolerance": {"atol": 0.0001}}, "failed"),  # too far
        ("loss 0.5\nsteps 11\n", {"tolerance": {"atol": 0.001}}, "failed"),  # integer too
        ("cost 0.5\nsteps 10\n", {"tolerance": {"atol": 1.0}}, "failed"),  # words are exact
    ],
)
def test_the_plugin_inside_nbval(pytester, monkeypatch, stored, metadata, outcome):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))
    _notebook(pytester.path / "demo.ipynb", stored, metadata)
    result = pytester.runpytest_subprocess(
        "--nbval", "--nbval-current-env", "-p", "nbval_tolerance", "demo.ipynb"
    )
    result.assert_outcomes(**{outcome: 1})


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
