"""The README's tour is real: every `$ sociable ...` line in it is run on the `make demo` sample and
its output must match the lines shown, exactly.

The sample is the one `make demo` writes (`sociable simulate --posts 20000 --seed 7`, with the
organisation file `--org-file northbridge.txt`). A block whose output ends with `...` shows only
its first lines. When the tool's output changes on purpose, refresh the README with

    PYTHONPATH=src python tests/test_readme_tour.py --write

and read the diff before committing it.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
SAMPLE = ("simulate", "--posts", "20000", "--seed", "7", "-o", "sample.jsonl", "--org-file", "northbridge.txt")
NOT_RUN = {"serve"}  # runs until stopped; the web app has its own tests
WIDTH = 100  # the terminal width the tour's tables are drawn at
MORE = "..."


@dataclass
class Step:
    """One `$ sociable ...` line of the tour and the output lines the README shows under it."""

    command: str
    shown: list[str]
    start: int  # line index of the command in the README
    end: int  # line index after its last output line

    @property
    def args(self) -> list[str]:
        return shlex.split(self.command, comments=True)[1:]

    @property
    def partial(self) -> bool:
        return bool(self.shown) and self.shown[-1].strip() == MORE


def tour_lines(text: str) -> tuple[int, int]:
    """The README's lines from '## A short tour' to the next '## ' heading."""
    lines = text.splitlines()
    start = lines.index("## A short tour")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    return start, end


def steps(text: str) -> list[Step]:
    """Every command of the tour, with the indented output lines under it."""
    lines = text.splitlines()
    start, end = tour_lines(text)
    found: list[Step] = []
    index = start
    while index < end:
        line = lines[index]
        if line.startswith("    $ sociable "):
            shown: list[str] = []
            after = index + 1
            while after < end and not lines[after].startswith("    $ ") and (
                    lines[after].startswith("    ") or (not lines[after] and after + 1 < end
                                                       and lines[after + 1].startswith("    ")
                                                       and not lines[after + 1].startswith("    $ "))):
                shown.append(lines[after][4:])
                after += 1
            found.append(Step(line[6:], shown, index, after))
            index = after
        else:
            index += 1
    return found


def run(folder: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """One command, in this process (imports are paid once), in `folder`, at the tour's terminal width."""
    from rich.console import Console

    from sociable.cli import main

    for name in ("SOCIABLE_WORKSPACE", "SOCIABLE_WAIT", "SOCIABLE_DEBUG"):
        os.environ.pop(name, None)
    out, err = io.StringIO(), io.StringIO()
    # every console the commands print with, wherever a module keeps one
    consoles = {id(value): value for name, module in list(sys.modules.items()) if name.startswith("sociable.cli")
                for value in vars(module).values() if isinstance(value, Console)}
    widths = {key: console._width for key, console in consoles.items()}
    here, argv, columns = Path.cwd(), sys.argv, os.environ.get("COLUMNS")
    code = 0
    try:
        os.environ["COLUMNS"] = str(WIDTH)
        os.chdir(folder)
        sys.argv = ["sociable", *args]
        for console in consoles.values():
            console.width = WIDTH
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        os.chdir(here)
        sys.argv = argv
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns
        for key, console in consoles.items():
            console._width = widths[key]
    return subprocess.CompletedProcess(["sociable", *args], code, out.getvalue(), err.getvalue())


def output_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    """What the reader sees: standard output, then any error, without surrounding blank lines."""
    lines = [line.rstrip() for line in (done.stdout + done.stderr).splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def prepare(folder: Path) -> None:
    """The sample, its organisation file, and a file that is not an export (the tour's `scan.pdf`)."""
    made = run(folder, list(SAMPLE))
    assert made.returncode == 0, made.stderr
    (folder / "scan.pdf").write_bytes(b"%PDF-1.7\n\x00\x01\x02binary\n")


def outputs(folder: Path, tour: list[Step]) -> dict[int, list[str]]:
    """Each step run in order in `folder`; its output lines by the step's position."""
    results: dict[int, list[str]] = {}
    for number, step in enumerate(tour):
        if step.args[0] in NOT_RUN:
            continue
        done = run(folder, step.args)
        expect_error = any(line.startswith("Error:") for line in step.shown)
        assert (done.returncode != 0) == expect_error, (step.command, done.stdout, done.stderr)
        results[number] = output_lines(done)
    return results


def test_every_line_of_the_tour_is_what_the_commands_print(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    tour = steps(text)
    assert len(tour) >= 10 and any(step.args[0] == "screen" for step in tour), "the tour shows screening"
    prepare(tmp_path)
    printed = outputs(tmp_path, tour)
    for number, step in enumerate(tour):
        if number not in printed:
            continue
        got = printed[number]
        if step.partial:
            head = step.shown[:-1]
            assert got[:len(head)] == head, f"`{step.command}` printed:\n" + "\n".join(got[:len(head) + 2])
            assert len(got) > len(head), f"`{step.command}` printed no more than the README shows; drop the '...'"
        else:
            assert got == step.shown, f"`{step.command}` printed:\n" + "\n".join(got)


def test_the_tour_uses_the_demo_sample() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "simulate --posts 20000 --seed 7" in makefile and "--org-file demo/northbridge.txt" in makefile
    assert "--collection nhssm" in makefile, "make demo files the sample under the tour's collection name"
    text = README.read_text(encoding="utf-8")
    assert "sociable " + " ".join(SAMPLE) in text


def rewrite(text: str, folder: Path) -> str:
    """The README with each step's output replaced by what the command prints now (partial steps keep their length)."""
    tour = steps(text)
    printed = outputs(folder, tour)
    lines = text.splitlines()
    for number in sorted(printed, reverse=True):
        step = tour[number]
        got = printed[number]
        if step.partial:
            new = [*got[:len(step.shown) - 1], MORE]
        elif step.shown:
            new = got
        else:
            continue  # the README shows no output for this one
        lines[step.start + 1:step.end] = ["    " + line if line else "" for line in new]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - the refresh described in the docstring
    import tempfile

    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: PYTHONPATH=src python tests/test_readme_tour.py --write")
    with tempfile.TemporaryDirectory() as scratch:
        prepare(Path(scratch))
        README.write_text(rewrite(README.read_text(encoding="utf-8"), Path(scratch)), encoding="utf-8")
    print("README.md refreshed; read `git diff README.md` before committing.")
