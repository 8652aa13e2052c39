#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-3.0-or-later
"""Checks that docs/tools.md documents every option a tool accepts, and nothing else.

    check-tool-docs.py DOCS TOOL=EXECUTABLE [TOOL=EXECUTABLE ...]

For each tool: the options are read from the option column of its `--help` output (lines that start
with whitespace and a dash); a made-up option must be refused (a non-zero exit status), which shows
that `--help` lists what the tool accepts. The documented options are those in the first column of
the tables headed "option" in the section "## TOOL" of DOCS. Both sets must be equal. Exit status 0
when every tool matches, 1 with one line per difference otherwise.
"""
import re
import subprocess
import sys

OPTION = re.compile(r"(?:^|[\s`,/(|])(--?[A-Za-z][A-Za-z0-9-]*)")
HELP_LINE = re.compile(r"^\s+(-\S.*?)(?:\s{2,}|$)")


def help_options(executable):
    run = subprocess.run([executable, "--help"], capture_output=True, text=True, timeout=60,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    if run.returncode != 0:
        raise RuntimeError(f"{executable} --help exited with {run.returncode}: {run.stderr.strip()}")
    options = set()
    for line in run.stdout.splitlines():
        match = HELP_LINE.match(line)
        if match:
            options.update(OPTION.findall(match.group(1)))
    if not options:
        raise RuntimeError(f"{executable} --help lists no option:\n{run.stdout}")
    return options


def refuses_unknown_option(executable):
    run = subprocess.run([executable, "--qtws-no-such-option"], capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    return run.returncode != 0


def documented_options(docs, tool):
    section = re.search(rf"^## {re.escape(tool)}\s*$(.*?)(?=^## |\Z)", docs, re.M | re.S)
    if not section:
        raise RuntimeError(f"docs/tools.md has no section '## {tool}'")
    options = set()
    in_option_table = False
    for line in section.group(1).splitlines():
        if not line.startswith("|"):
            in_option_table = False
            continue
        # A pipe inside a cell is written \| in Markdown tables.
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if cells[0] == "option":
            in_option_table = True
            continue
        if in_option_table and not set(cells[0]) <= set("-: "):
            # Only the option names in backticks: `--proxy URL`, `-h`/`--help`.
            for code in re.findall(r"`([^`]*)`", cells[0]):
                options.update(OPTION.findall(code))
    if not options:
        raise RuntimeError(f"the section '## {tool}' of docs/tools.md has no option table")
    return options


def main(argv):
    docs = open(argv[1], encoding="utf-8").read()
    problems = []
    for pair in argv[2:]:
        tool, executable = pair.split("=", 1)
        try:
            accepted = help_options(executable)
            documented = documented_options(docs, tool)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
            problems.append(f"{tool}: {error}")
            continue
        if not refuses_unknown_option(executable):
            problems.append(f"{tool}: accepts --qtws-no-such-option, so --help may not list every option")
        for option in sorted(accepted - documented):
            problems.append(f"{tool}: {option} is in --help but not in docs/tools.md")
        for option in sorted(documented - accepted):
            problems.append(f"{tool}: {option} is in docs/tools.md but not in --help")
        print(f"{tool}: {len(accepted)} options in --help, {len(documented)} documented")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
