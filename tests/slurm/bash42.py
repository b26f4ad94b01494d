#!/usr/bin/python3
"""slurm.bash42: the job scripts stay within bash 4.2 (RHEL/CentOS 7, the oldest bash still on
clusters), which Debian 12 cannot run, so this checks the scripts' text instead:

  * every script parses (`bash -n`);
  * no array is expanded bare: before bash 4.4, "${a[@]}" of an empty array is an "unbound
    variable" error under `set -u` (bash 4.4 CHANGES, item 3.x "nounset"), so the scripts write
    ${a[@]+"${a[@]}"}; ${#a[@]} and ${!a[@]} are checked the same way;
  * no feature newer than 4.2 (bash's CHANGES/NEWS files): namerefs (declare/local/typeset -n,
    4.3), `wait -n` (4.3) and `wait -f` (5.0), negative array subscripts (4.3), ${var@op}
    transformations (4.4), `mapfile`/`readarray -d` (4.4), the shell options inherit_errexit
    (4.4), localvar_inherit, localvar_unset, assoc_expand_once (5.0+), globasciiranges (4.3),
    and the variables EPOCHSECONDS, EPOCHREALTIME, BASH_ARGV0 (5.0), SRANDOM (5.1).

Usage: bash42.py SOURCE_DIR    (checks jobs/*.sbatch, jobs/*.sh, jobs/site.env.example)
       bash42.py --self-test   (the checker must flag each construct above in a sample; exit 0 if so)
"""
import pathlib
import re
import subprocess
import sys
import tempfile

# (pattern, what is wrong). Patterns see one line with its comment removed.
NEWER = [
    (re.compile(r"\b(declare|local|typeset)\s+(-\w*\s+)*-\w*n"), "nameref (declare/local/typeset -n) needs bash 4.3"),
    (re.compile(r"\bwait\s+(-\w+\s+)*-\w*[nf]"), "wait -n needs bash 4.3, wait -f bash 5.0"),
    (re.compile(r"\$\{[#!]?\w+\[\s*-\s*\d"), "negative array subscript needs bash 4.3"),
    (re.compile(r"\$\{[^}\s]*@[QEPAaUuLKk]\}"), "${var@op} transformation needs bash 4.4"),
    (re.compile(r"\b(mapfile|readarray)\b[^|;&]*\s-d\b"), "mapfile/readarray -d needs bash 4.4"),
    (re.compile(r"\b(inherit_errexit|localvar_inherit|localvar_unset|assoc_expand_once|globasciiranges)\b"),
     "shell option newer than bash 4.2"),
    (re.compile(r"\b(EPOCHSECONDS|EPOCHREALTIME|BASH_ARGV0|SRANDOM)\b"), "variable newer than bash 4.2"),
]
# An array expansion ${a[@]}, ${a[*]}, ${#a[@]}, ${!a[@]} ...
ARRAY = re.compile(r"\$\{([#!]?)(\w+)\[[@*]\]")


def strip_comment(line):
    """The line without a trailing comment (a # at a word start outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
            elif ch == "\\" and quote == '"':
                continue
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t;|&(") and not line[max(0, i - 1):i + 1] == "$#":
            return line[:i]
    return line


def blank_single_quoted(line):
    """The line with the text inside single quotes (outside double quotes) blanked: a literal."""
    out, quote = [], None
    for ch in line:
        if quote == "'":
            if ch == "'":
                quote = None
                out.append(ch)
            else:
                out.append(" ")
            continue
        if quote == '"':
            if ch == '"':
                quote = None
        elif ch in "'\"":
            quote = ch
        out.append(ch)
    return "".join(out)


def guarded(line, match):
    """True if the expansion at match is the guard ${a[@]+...} or lies inside one for the same array."""
    name = match.group(2)
    end = match.end()
    if match.group(1) == "" and line[end:end + 1] in ("+", ":"):
        return True  # ${a[@]+"${a[@]}"} / ${a[@]:+...}: the guard itself
    for guard in re.finditer(r"\$\{" + name + r"\[[@*]\]:?\+", line):
        depth, i = 1, guard.end()
        while i < len(line) and depth:
            if line.startswith("${", i):
                depth += 1
                i += 2
                continue
            if line[i] == "}":
                depth -= 1
            i += 1
        if guard.start() < match.start() < i:
            return True
    return False


def check(path):
    problems = []
    text = pathlib.Path(path).read_text()
    parsed = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    if parsed.returncode != 0:
        problems.append(f"{path}: bash -n: {parsed.stderr.strip()}")
    heredoc = None
    for number, raw in enumerate(text.splitlines(), 1):
        if heredoc is not None:
            if raw.strip() == heredoc:
                heredoc = None
            continue
        line = blank_single_quoted(strip_comment(raw))
        opened = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line)
        for pattern, why in NEWER:
            if pattern.search(line):
                problems.append(f"{path}:{number}: {why}: {raw.strip()}")
        for match in ARRAY.finditer(line):
            if not guarded(line, match):
                problems.append(f"{path}:{number}: bare array expansion {match.group(0)}...}} fails under set -u "
                                f"before bash 4.4 when the array is empty; write ${{{match.group(2)}[@]+\"${{{match.group(2)}[@]}}\"}}: "
                                f"{raw.strip()}")
        if opened and "'" not in opened.group(0) and '"' not in opened.group(0):
            heredoc = None  # unquoted here-documents expand: keep checking their lines
        elif opened:
            heredoc = opened.group(1)  # quoted: literal text, not shell code
    return problems


SAMPLE_BAD = [
    'set -u; a=(); run "${a[@]}"',
    'echo ${#a[@]}',
    'for k in "${!m[@]}"; do :; done',
    'declare -n ref=x',
    'local -n ref=x',
    'wait -n',
    'echo "${a[-1]}"',
    'echo "${x@Q}"',
    'mapfile -d "" -t parts < f',
    'shopt -s inherit_errexit',
    'echo $EPOCHSECONDS',
]
SAMPLE_GOOD = [
    'set -u; a=(); run ${a[@]+"${a[@]}"} --x "$y"  # "${a[@]}" in a comment is fine',
    'run ${extra[@]+"${extra[@]}"} ${resume[@]+"${resume[@]}"}',
    "echo '${a[@]} in single quotes' # a literal",
    'echo "$#" "${x:-default}" "${#x}"',
]


def self_test():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, line in enumerate(SAMPLE_BAD):
            path = pathlib.Path(tmp, f"bad{i}.sh")
            path.write_text("#!/bin/bash\n" + line + "\n")
            if not check(path):
                print(f"self-test: not flagged: {line}")
                failures += 1
        for i, line in enumerate(SAMPLE_GOOD):
            path = pathlib.Path(tmp, f"good{i}.sh")
            path.write_text("#!/bin/bash\n" + line + "\n")
            found = check(path)
            if found:
                print(f"self-test: flagged although fine: {line}: {found}")
                failures += 1
    print(f"self-test: {len(SAMPLE_BAD)} bad and {len(SAMPLE_GOOD)} good samples, {failures} wrong")
    return failures == 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return 0 if self_test() else 1
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if not self_test():
        return 1
    root = pathlib.Path(argv[1])
    scripts = sorted(root.glob("jobs/*.sbatch")) + sorted(root.glob("jobs/*.sh")) + [root / "jobs/site.env.example"]
    problems = [p for s in scripts for p in check(s)]
    for p in problems:
        print(p)
    print(f"checked {len(scripts)} job scripts for bash 4.2: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
