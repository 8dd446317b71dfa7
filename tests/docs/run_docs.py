#!/usr/bin/env python3
"""docs_run_as_written: every SQL and shell block of README.md and docs/*.md runs on the demo.

    run_docs.py --source-dir DIR --build-dir DIR --work-dir DIR [--list]

The blocks. A fenced block (``` or ~~~) must name its language in the info string, so that no
command hides in an unlabelled block; the test fails on a fence without one.
  - ```sql              a psql script: run with `psql -X -v ON_ERROR_STOP=1 -f <block>`, a new
                        session per block, as the demo's superuser on the demo database (the PG*
                        variables of `bash scripts/demo.sh env`). psql meta-commands work
                        (\\gset, \\connect - app, \\echo); psql variables do not carry over to the
                        next block.
  - ```sh / ```bash     a bash script: run with `bash -e -o pipefail <block>` from the source
                        directory, in an environment that has evaluated
                        `eval "$(bash scripts/demo.sh env)"` (PG* and DEMO_URL); shell
                        variables do not carry over to the next block.
  - ```console          lines starting with `$ ` are commands (run like sh, prompt removed);
                        the other lines are their output and are not checked.
  - any other language  (ini, text, cpp, ...) is not code to run; counted, not run.
A block that cannot run as written is marked by an HTML comment on the line right before its
fence, `<!-- norun: <reason> -->` (reason required; only on sql/sh/bash/console blocks). The
test lists every skipped block with its reason.

The setup. Each document with a block to run gets a fresh demo: `bash scripts/demo.sh start
--prebuilt` with DEMO_DIR under the work directory (its own cluster on a free port, the seed of
server/demo/seed.sql, tenantgate-server on a free port), stopped afterwards, its server log
checked for a crashed backend. Blocks of one document run in document order and see what the
earlier ones left in the database. Documents run in a fixed order: README.md, then docs/*.md
sorted by name. A block fails on any error: a SQL error, a failed psql meta-command, or a shell
command that exits non-zero. Only 127.0.0.1 is contacted.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

RUN_LANGS = {"sql", "sh", "bash", "console"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
NORUN = re.compile(r"^[ \t]*<!--[ \t]*norun:(?P<reason>.*?)-->[ \t]*$")


@dataclass
class Block:
    doc: str           # path relative to the source directory
    line: int          # line of the opening fence (1-based)
    lang: str
    body: list = field(default_factory=list)   # (line number, text) pairs, indentation removed
    norun: str = ""    # the reason, when marked

    @property
    def where(self):
        return f"{self.doc}:{self.line}"


class DocError(Exception):
    pass


def documents(source):
    docs = [source / "README.md"]
    docs += sorted((source / "docs").glob("*.md"), key=lambda p: p.name)
    return [d for d in docs if d.is_file()]


def extract(source, path):
    """The fenced blocks of one Markdown file, with their norun marks."""
    rel = str(path.relative_to(source))
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks, errors = [], []
    i = 0
    pending_norun = None   # (line number, reason) of a norun comment waiting for its fence
    while i < len(lines):
        text = lines[i]
        m_norun = NORUN.match(text)
        m = FENCE.match(text)
        if m_norun:
            if pending_norun:
                errors.append(f"{rel}:{pending_norun[0]}: norun comment not followed by a fence")
            reason = m_norun.group("reason").strip()
            if not reason:
                errors.append(f"{rel}:{i + 1}: norun without a reason")
            pending_norun = (i + 1, reason)
            i += 1
            continue
        if not m:
            if pending_norun:
                errors.append(f"{rel}:{pending_norun[0]}: norun comment not right before a fence")
                pending_norun = None
            i += 1
            continue
        indent, fence, info = m.group("indent"), m.group("fence"), m.group("info").strip()
        words = info.split()
        block = Block(rel, i + 1, words[0].lower() if words else "")
        if not block.lang:
            errors.append(f"{rel}:{i + 1}: fence without a language (```sql, ```sh, ```text, ```ini ...)")
        if pending_norun:
            block.norun = pending_norun[1]
            if block.lang not in RUN_LANGS:
                errors.append(f"{rel}:{pending_norun[0]}: norun on a ```{block.lang} block, which is not run anyway")
            pending_norun = None
        closing = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
        i += 1
        while i < len(lines) and not closing.match(lines[i]):
            body_line = lines[i]
            # CommonMark: up to the fence's indentation is removed from each line.
            strip = min(len(indent), len(body_line) - len(body_line.lstrip(" \t")))
            block.body.append((i + 1, body_line[strip:]))
            i += 1
        if i >= len(lines):
            errors.append(f"{block.where}: fence never closed")
        i += 1
        blocks.append(block)
    if pending_norun:
        errors.append(f"{rel}:{pending_norun[0]}: norun comment at the end of the file")
    return blocks, errors


def script_of(block):
    """The block as a file whose line numbers are the document's (errors then point at the doc)."""
    out = [""] * (block.line)   # lines 1..line: the text before the body
    for _, text in block.body:
        if block.lang == "console":
            out.append(text[2:] if text.startswith("$ ") else "")
        else:
            out.append(text)
    return "\n".join(out) + "\n"


def sql_block_is_complete(block):
    """A block must not end inside a statement: psql would wait for more (and the next block is
    a new session, so the statement would silently never run)."""
    last = ""
    for _, text in block.body:
        t = re.sub(r"\s--.*$", "", text).strip()
        if t and not t.startswith("--"):
            last = t
    return last == "" or last.endswith(";") or last.startswith("\\") or "\\g" in last


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_env(path):
    env = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            env[k] = v
    return env


class Demo:
    """One fresh demo (cluster, seed, server) for one document."""

    def __init__(self, source, build, workdir):
        self.source, self.build, self.dir = source, build, workdir / "demo"
        # No libpq setting of the caller's (PGPASSWORD, PGOPTIONS, ...) reaches the blocks: they
        # see the demo's PG* variables only, as after `eval "$(bash scripts/demo.sh env)"`.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG") or k == "PG_CONFIG"}
        self.env.update(BUILD_DIR=str(build), DEMO_DIR=str(self.dir))
        self.env.pop("DEMO_PORT", None)
        self.log = workdir / "demo-start.log"

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.env["DEMO_HTTP_PORT"] = str(free_port())
        with open(self.log, "w") as log:
            rc = subprocess.call(["bash", str(self.source / "scripts/demo.sh"), "start", "--prebuilt"],
                                 cwd=self.source, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        if rc != 0:
            sys.stdout.write(self.log.read_text())
            raise DocError(f"the demo did not start (log above, {self.log})")
        return dict(self.env, **read_env(self.dir / "demo.env"))

    def stop(self):
        subprocess.call(["bash", str(self.source / "scripts/demo.sh"), "stop"], cwd=self.source,
                        env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        cluster = self.dir / "demo-cluster"
        rc = subprocess.call(["bash", str(self.source / "scripts/cluster.sh"), "check-log", str(cluster)],
                             env=self.env, stdout=subprocess.DEVNULL)
        if rc != 0:
            subprocess.call(["bash", str(self.source / "scripts/cluster.sh"), "check-log", str(cluster)],
                            env=self.env)
            raise DocError("a backend crashed while the blocks ran (see above)")


def run_block(block, env, source, workdir, timeout):
    name = re.sub(r"[^A-Za-z0-9]+", "_", block.doc) + f"_{block.line}"
    script = workdir / "blocks" / (name + (".sql" if block.lang == "sql" else ".sh"))
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(script_of(block))
    if block.lang == "sql":
        cmd = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-f", str(script)]
    else:
        cmd = ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", str(script)]
    started = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=source, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        rc, out = p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        rc, out = "timeout", (e.stdout or b"") + f"\n(no end after {timeout} s)".encode()
    return rc, out.decode(errors="replace"), time.monotonic() - started, script


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--block-timeout", type=int, default=60)
    ap.add_argument("--list", action="store_true", help="list the blocks, run nothing")
    args = ap.parse_args()
    source = Path(args.source_dir).resolve()
    build = Path(args.build_dir).resolve()
    workdir = Path(args.work_dir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    all_blocks, errors = [], []
    for doc in documents(source):
        b, e = extract(source, doc)
        all_blocks += b
        errors += e
    for b in all_blocks:
        if b.lang == "sql" and not b.norun and not sql_block_is_complete(b):
            errors.append(f"{b.where}: the SQL block ends inside a statement (no ';')")
    if errors:
        print("docs_run_as_written: the blocks do not follow the convention (run_docs.py's header):")
        for e in errors:
            print("  " + e)
        return 1

    to_run = [b for b in all_blocks if b.lang in RUN_LANGS and not b.norun]
    skipped = [b for b in all_blocks if b.norun]
    other = {}
    for b in all_blocks:
        if b.lang not in RUN_LANGS:
            other[b.lang] = other.get(b.lang, 0) + 1

    if args.list:
        for b in all_blocks:
            state = "run" if b in to_run else ("norun: " + b.norun if b.norun else "not code")
            print(f"{b.where}\t{b.lang}\t{state}")
        return 0

    failures = []
    ran = 0
    demo = Demo(source, build, workdir)
    docs_in_order = []
    for b in to_run:
        if b.doc not in docs_in_order:
            docs_in_order.append(b.doc)
    for doc in docs_in_order:
        blocks = [b for b in to_run if b.doc == doc]
        print(f"== {doc}: {len(blocks)} block(s) on a fresh demo", flush=True)
        try:
            env = demo.start()
        except DocError as e:
            failures.append(f"{doc}: {e}")
            try:
                demo.stop()
            except DocError:
                pass
            continue
        try:
            for b in blocks:
                rc, out, secs, script = run_block(b, env, source, workdir, args.block_timeout)
                ran += 1
                if rc == 0:
                    print(f"ok   {b.where} ```{b.lang} ({secs:.1f} s)", flush=True)
                    continue
                print(f"FAIL {b.where} ```{b.lang} (exit {rc}; script {script}, line numbers are the document's)")
                for line in out.strip().splitlines()[-40:]:
                    print("     | " + line)
                failures.append(f"{b.where}: exit {rc}")
        finally:
            try:
                demo.stop()
            except DocError as e:
                failures.append(f"{doc}: {e}")

    print()
    print(f"docs_run_as_written: {len(all_blocks)} fenced blocks in {len(documents(source))} documents: "
          f"{ran} run, {len(skipped)} skipped (norun), "
          f"{sum(other.values())} not code to run ({', '.join(f'{k} {v}' for k, v in sorted(other.items()))})")
    if skipped:
        print(f"skipped {len(skipped)} block(s):")
        for b in skipped:
            print(f"  {b.where} ```{b.lang}: {b.norun}")
    if failures:
        print(f"FAILED {len(failures)}:")
        for f in failures:
            print("  " + f)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
