"""_toc.yml lists every notebook and every book page, and nothing else."""

import yaml
from conftest import BOOK_PAGES, NOTEBOOKS, ROOT


def _files(node):
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        if "root" in node:
            yield node["root"]
        for value in node.values():
            if isinstance(value, list | dict):
                yield from _files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _files(item)


def test_toc_lists_every_page_and_nothing_else():
    listed = list(_files(yaml.safe_load((ROOT / "_toc.yml").read_text())))
    assert len(listed) == len(set(listed)), "a file is listed twice in _toc.yml"
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for p in NOTEBOOKS + BOOK_PAGES}
    assert set(listed) == on_disk, (
        f"missing from _toc.yml: {sorted(on_disk - set(listed))}; "
        f"listed but not on disk: {sorted(set(listed) - on_disk)}"
    )


def test_notebooks_are_in_reading_order():
    listed = [
        f
        for f in _files(yaml.safe_load((ROOT / "_toc.yml").read_text()))
        if f.startswith("notebooks/")
    ]
    assert listed == sorted(listed), "chapters must appear in the order of their numbers"
