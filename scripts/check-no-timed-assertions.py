#!/usr/bin/env python3
"""Fails when a test asserts speed: an assertion that compares a clock reading with a bound.

    check-no-timed-assertions.py [ROOT]     scan ROOT/tests (default: the repository)
    check-no-timed-assertions.py --self-test

A timed assertion fails by chance on a busy machine, so tests state costs as counted work (KDF
iterations, name comparisons, bytes) or as behaviour (the server answered and closed the
connection before the client sent the body); speed belongs in bench/.

The rule, per file of tests/**/*.{cpp,hpp,py,sh,mjs,js,sql}:
  * a clock reading is a call such as steady_clock::now(), time.time(), time.monotonic(),
    perf_counter(), Date.now(), clock_timestamp(), now(), `date +%s`, $SECONDS, $EPOCHREALTIME;
  * a name is clock-derived when it is assigned from a clock reading or a clock-derived name
    (`t0 = time.time()`, `SELECT clock_timestamp() AS t0 \\gset`, `t0=$(date +%s)`), or is a
    function whose body reads the clock (`CREATE FUNCTION pg_temp.ms_since ... clock_timestamp()`);
    it is a timing verdict when such an assignment also compares (`slow = [r for r in rs if r[1] > 5]`);
  * an assertion is a statement whose failure fails the test: EXPECT_*/ASSERT_* macros, assert,
    check()/expect()/self.assert*(), an `if` whose body raises/fails/exits non-zero, a shell
    `[[ ]]`/`(( ))` followed by `|| fail|exit`, and every top-level query of a pg_regress .sql file
    (its output is compared);
  * violation: an assertion that compares (<, >, <=, >=, BETWEEN, -lt/-gt/-le/-ge,
    EXPECT_LT/GT/LE/GE/NEAR, assertLess/Greater) and mentions a clock reading or a clock-derived
    name, or that mentions a timing verdict.
Allowed, because they are not assertions: deadlines and hang guards in loop conditions
(`while time.time() < deadline:`), `if ... time ...: break`, socket timeouts, sleeps, timestamps put
into tokens, elapsed times printed for the log.
"""
import io
import os
import re
import sys
import tokenize

EXTENSIONS = ('.cpp', '.hpp', '.h', '.py', '.sh', '.mjs', '.js', '.sql')

CLOCK = re.compile(r'''(
    \b(?:steady_clock|system_clock|high_resolution_clock|utc_clock|file_clock)\s*::\s*now\b
  | \b(?:clock_gettime|gettimeofday)\s*\(
  | (?<![\w.])clock\s*\(\s*\)
  | (?<![\w.])time\s*\(\s*(?:nullptr|NULL|0)?\s*\)
  | \btime\.(?:time|monotonic|perf_counter|process_time)(?:_ns)?\s*\(
  | (?<![\w.])(?:monotonic|perf_counter)(?:_ns)?\s*\(
  | \bdatetime\.(?:now|utcnow|today)\s*\(
  | \bDate\.now\s*\( | \bperformance\.now\s*\( | \bprocess\.hrtime\b | \bnew\s+Date\s*\(\s*\)
  | \b(?:clock_timestamp|statement_timestamp|transaction_timestamp|timeofday)\s*\(
  | (?<![\w.])now\s*\(\s*\)
  | \b(?:current_timestamp|localtimestamp)\b
  | \bdate\s+(?:-u\s+)?['"]?\+%s
  | \$\{?(?:SECONDS|EPOCHREALTIME|EPOCHSECONDS)\b
)''', re.X | re.I)

COMPARISON = re.compile(r'''(
    (?<![<>=!-])(?:<=?|>=?)(?![<>=])       # < > <= >=, not << >> -> => <> ==
  | \bBETWEEN\b | \s-(?:lt|le|gt|ge)\b
  | \b(?:EXPECT|ASSERT)_(?:LT|LE|GT|GE|NEAR)\b | \bassert(?:Less|Greater)(?:Equal)?\b
)''', re.X | re.I)

FAILS = re.compile(r'^\s*(?:raise\b|fail\w*\s*\(|sys\.exit\s*\(\s*[^0)]|exit\s+[1-9]|die\b|fail\b|return\s+1\b'
                   r'|throw\b|process\.exit\s*\(\s*[1-9]|assert\s+False|check\s*\(\s*False|ADD_FAILURE|FAIL\s*\()')


# ---- reading a file as statements ------------------------------------------------------------

def python_lines(text):
    """(first line number, text) per logical line of Python source, comments dropped."""
    out, toks = [], []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if toks:
                    out.append((toks[0].start[0], untokenize(toks)))
                toks = []
            elif tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
                toks.append(tok)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return out


def untokenize(toks):
    """The source of a logical line, with its first line's indentation kept."""
    parts, prev = [' ' * toks[0].start[1]], None
    for t in toks:
        if prev is not None and (t.start[0] != prev[0] or t.start[1] > prev[1]):
            parts.append(' ')
        # String contents are data (SQL sent to a server, messages), not the test's own logic.
        parts.append('""' if t.type == tokenize.STRING else t.string)
        prev = t.end
    return ''.join(parts)


def logical_lines(text, lang):
    """(first line number, text) per statement. C++/JS: lines joined while a parenthesis, bracket or
    string is open; shell: lines joined after a trailing backslash or while a quote is open.
    Comments dropped."""
    if lang == 'py':
        return python_lines(text)
    out = []
    buf, start, depth, quote, i, line = [], 1, 0, None, 0, 1
    quotes = '"\'`' if lang == 'js' else '"\''
    while i < len(text):
        c = text[i]
        if quote:
            if c == '\\' and quote != "'" or (c == '\\' and lang != 'sh'):
                if lang == 'sh':
                    buf.append(text[i:i + 2])
                line += text[i:i + 2].count('\n')
                i += 2
                continue
            if c == quote:
                quote = None
            elif lang != 'sh':  # C++/JS string contents are data; the shell's hold SQL and commands
                line += c == '\n'
                i += 1
                continue
        elif lang == 'cpp' and c == 'R' and re.match(r'R"[^()\\\s]{0,16}\(', text[i:i + 20]) and (
                i == 0 or not (text[i - 1].isalnum() or text[i - 1] == '_')):
            delim = text[i + 2:text.index('(', i)]
            j = text.find(')' + delim + '"', i)
            j = len(text) if j < 0 else j + len(delim) + 2
            line += text[i:j].count('\n')
            buf.append('""')
            i = j
            continue
        elif c in quotes:
            quote = c
        elif (lang != 'sh' and text.startswith('//', i)) or (
                lang == 'sh' and c == '#' and (i == 0 or text[i - 1] in ' \t\n;')):
            j = text.find('\n', i)
            i = len(text) if j < 0 else j
            continue
        elif lang != 'sh' and text.startswith('/*', i):
            j = text.find('*/', i)
            line += text[i:len(text) if j < 0 else j].count('\n')
            i = len(text) if j < 0 else j + 2
            continue
        elif c in '([':  # not braces: a block is many statements
            depth += 1
        elif c in ')]':
            depth = max(0, depth - 1)
        elif c == '\n':
            joined = ''.join(buf).rstrip().endswith('\\') if lang == 'sh' else depth > 0
            if not joined:
                stmt = ''.join(buf)
                if stmt.strip():
                    out.append((start, stmt))
                buf, depth = [], 0
                line += 1
                start = line
                i += 1
                continue
        if c == '\n':
            line += 1
        if not ''.join(buf).strip():
            start = line
        buf.append(c)
        i += 1
    if ''.join(buf).strip():
        out.append((start, ''.join(buf)))
    return out


def sql_statements(text):
    """(line, text) per SQL statement; psql meta-commands end a query (\\gset, \\g)."""
    out = []
    buf, start, i, line = [], 1, 0, 1
    quote = None  # "'" or a dollar tag
    while i < len(text):
        c = text[i]
        if quote:
            if text.startswith(quote, i):
                buf.append(quote)
                i += len(quote)
                quote = None
                continue
        elif c == "'":
            quote = "'"
        elif c == '$':
            m = re.match(r'\$\w*\$', text[i:])
            if m:
                quote = m.group(0)
                buf.append(quote)
                i += len(quote)
                continue
        elif text.startswith('--', i):
            j = text.find('\n', i)
            i = len(text) if j < 0 else j
            continue
        elif c == ';' or (c == '\\' and (i == 0 or text[i - 1] in ' \t\n')):
            stmt = ''.join(buf).strip()
            if stmt:
                out.append((start, stmt))
            buf = []
            if c == '\\':  # a meta-command runs to the end of its line
                j = text.find('\n', i)
                meta = text[i:len(text) if j < 0 else j]
                if out and meta.startswith('\\gset') and stmt:
                    out[-1] = (out[-1][0], out[-1][1] + ' ' + meta)
                i = len(text) if j < 0 else j
            else:
                i += 1
            continue
        if c == '\n':
            line += 1
        if not c.isspace() and not any(b.strip() for b in buf):
            start = line
        buf.append(c)
        i += 1
    stmt = ''.join(buf).strip()
    if stmt:
        out.append((start, stmt))
    return out


# ---- taint: which names hold clock readings ---------------------------------------------------

ASSIGN = {  # (name, value) of an assignment
    'code': re.compile(r'^\s*(?:(?:const|let|var|auto|double|float|long|int|int64_t|std::\S+|[\w:<>]+)\s+)*'
                       r'(?:self\.)?([A-Za-z_]\w*)(?:\s*\[[^\]]*\])?\s*(?:[-+*/]?=)(?!=)\s*(.*)$', re.S),
    'sh': re.compile(r'^\s*(?:local\s+|export\s+|readonly\s+|declare\s+(?:-\w+\s+)?)?([A-Za-z_]\w*)='
                     r'(\$\(\([^)]*\)\)|\$\([^)]*\)|"[^"]*"|\'[^\']*\'|\S*)'),
}
CALL_STORE = re.compile(r'(?:self\.)?([A-Za-z_]\w*)\.(?:append|push|push_back|emplace_back|add)\s*\((.*)\)', re.S)
FUNC_DEF = [
    re.compile(r'\bFUNCTION\s+(?:[\w]+\.)?(\w+)\s*\(', re.I),          # SQL
    re.compile(r'^\s*(?:function\s+)?([A-Za-z_]\w*)\s*\(\)\s*\{'),       # sh
]
GSET = re.compile(r'\bAS\s+"?(\w+)"?\s*\\gset', re.I)


def mentions(text, names):
    return any(re.search(r'(?<!\w)' + re.escape(n) + r'\b', text) for n in names)


def is_clocky(text, timed):
    return bool(CLOCK.search(text)) or mentions(text, timed)


def derives(value, timed):
    """Whether an assigned value is a clock value: it reads the clock, is a clock-derived name, does
    arithmetic with one (t1 - t0, restarted + 2) or iterates over one. A name passed on as a plain
    argument (mint(claims), verify(token)) does not make the result a time."""
    if CLOCK.search(value):
        return True
    for n in timed:
        name = r'(?<!\w)' + re.escape(n) + r'\b(?:\.\w+|\[[^\]]*\])*'
        if re.search(name + r'\s*[-+*/%](?!=)|[-+*/%]\s*' + name, value) or re.match(r'^\s*' + name + r'\s*;?\s*$', value) \
                or re.search(r'\bin\s+(?:\w+\.)*' + re.escape(n) + r'\b', value):
            return True
    return False


def taint(statements, lang):
    """(timed names, verdict names): names holding clock values, names holding comparisons of them."""
    timed, verdicts = set(), set()
    changed = True
    while changed:
        changed = False
        for _, s in statements:
            found = []
            for rx in FUNC_DEF:
                m = rx.search(s)
                if m and is_clocky(s[m.end():], timed):
                    found.append((m.group(1), s[m.end():]))
            m = GSET.search(s)
            if m and is_clocky(s, timed):
                found.append((m.group(1), s))
            m = ASSIGN['sh' if lang == 'sh' else 'code'].match(s)
            if m and lang != 'sql':
                found.append((m.group(1), m.group(2)))
            for m in CALL_STORE.finditer(s):
                found.append((m.group(1), m.group(2)))
            for name, rhs in found:
                if mentions(rhs, verdicts) or (is_clocky(rhs, timed) and COMPARISON.search(rhs)):
                    if name not in verdicts:
                        verdicts.add(name)
                        changed = True
                elif derives(rhs, timed - {name}) and name not in timed:
                    timed.add(name)
                    changed = True
    return timed, verdicts


# ---- assertions -------------------------------------------------------------------------------

ASSERT_START = {
    'cpp': re.compile(r'^\s*(?:(?:EXPECT|ASSERT)_\w+|CHECK)\s*\('),
    'py': re.compile(r'^\s*(?:assert\b|check\s*\(|expect\s*\(|self\.assert\w*\s*\(|\w*assert\w*\s*\()'),
    'js': re.compile(r'^\s*(?:assert(?:\.\w+)?\s*\(|check\s*\(|expect\s*\(|t\.\w+\s*\()'),
    'sh': re.compile(r'^\s*(?:\[\[.*\]\]|\(\(.*\)\)|\[\s.*\s\]|test\s.*)\s*\|\|\s*(?:\{?\s*)?(?:fail|die|exit\s+[1-9]|echo\b.*;\s*exit\s+[1-9]|return\s+1)', re.S),
}
IF_START = re.compile(r'^\s*(?:el)?if\b(.*)$', re.S)


def assertions(statements, lang):
    """(line, text) of each statement that fails the test when its condition is false."""
    out = []
    for k, (line, s) in enumerate(statements):
        if lang == 'sql':
            if re.match(r'^\s*(?:SELECT|VALUES|TABLE|WITH)\b', s, re.I):
                out.append((line, s))
            continue
        if ASSERT_START[lang].match(s):
            out.append((line, s))
            continue
        m = IF_START.match(s)
        if m:
            cond = m.group(1)
            inline = re.search(r'(?:\bthen\b|:|\))\s*(\S.*)$', cond)
            body = [inline.group(1)] if inline else []
            indent = len(s) - len(s.lstrip())
            for _, nxt in statements[k + 1:k + 6]:
                word = nxt.strip()
                if lang == 'py' and len(nxt) - len(nxt.lstrip()) <= indent:
                    break
                if lang == 'sh' and re.match(r'(?:fi|else|elif)\b', word):
                    break
                body.append(word)
                if lang in ('cpp', 'js') and word not in ('{', 'then'):
                    break
            if any(FAILS.match(b) or re.search(r'\bthen\b.*\b(?:exit\s+[1-9]|fail|die)\b', b) for b in body):
                out.append((line, cond))
    return out


def language(path):
    ext = os.path.splitext(path)[1]
    return {'.cpp': 'cpp', '.hpp': 'cpp', '.h': 'cpp', '.py': 'py', '.sh': 'sh', '.mjs': 'js', '.js': 'js',
            '.sql': 'sql'}[ext]


def violations(text, lang):
    statements = sql_statements(text) if lang == 'sql' else logical_lines(text, lang)
    timed, verdicts = taint(statements, lang)
    found = []
    for line, s in assertions(statements, lang):
        if mentions(s, verdicts) or (is_clocky(s, timed) and COMPARISON.search(s)):
            found.append((line, ' '.join(s.split())[:160]))
    return found


def scan(root):
    bad = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, 'tests')):
        dirnames[:] = sorted(d for d in dirnames if d not in ('node_modules', 'vectors', 'expected'))
        for f in sorted(filenames):
            if f.endswith(EXTENSIONS):
                path = os.path.join(dirpath, f)
                with open(path, encoding='utf-8', errors='replace') as fh:
                    text = fh.read()
                lines = text.splitlines()
                for line, _ in violations(text, language(path)):
                    bad.append('%s:%d: %s' % (os.path.relpath(path, root), line, lines[line - 1].strip()[:160]))
    return bad


# ---- the checker's own tests ------------------------------------------------------------------

TIMED = [  # (language, source): each must be reported
    ('cpp', 'auto start = std::chrono::steady_clock::now();\nwork();\n'
            'EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));\n'),
    ('cpp', 'auto t0 = std::chrono::steady_clock::now();\nf();\nauto t1 = std::chrono::steady_clock::now();\n'
            'double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();\nEXPECT_GT(ms, 20.0);\n'),
    ('py', 't0 = time.time()\nst = get()\ncheck(st == 411 and time.time() - t0 < 2, "slow")\n'),
    ('py', 'start = time.monotonic()\nrun()\nelapsed = time.monotonic() - start\nassert elapsed <= 5\n'),
    ('py', 'results.append((t0, time.time() - t0, st))\nslow = [r for r in results if r[1] > 5]\ncheck(not slow)\n'),
    ('py', 't0 = time.perf_counter()\nrun()\nif time.perf_counter() - t0 > 2:\n    raise AssertionError("slow")\n'),
    ('js', 'const t0 = Date.now();\nawait run();\nassert.ok(Date.now() - t0 < 1000);\n'),
    ('sh', 't0=$(date +%s)\nrun\n(( $(date +%s) - t0 < 5 )) || fail "too slow"\n'),
    ('sh', 'start=$SECONDS\nrun\nif (( SECONDS - start > 5 )); then\n  echo slow >&2\n  exit 1\nfi\n'),
    ('sql', "SELECT clock_timestamp() AS t0 \\gset\nSELECT pg_sleep(0);\n"
            "SELECT clock_timestamp() - :'t0'::timestamptz < interval '2 seconds' AS fast;\n"),
    ('py', 'deadline = time.time() + 5\nrun()\ncheck(time.time() < deadline, "took too long")\n'),
    ('py', 't0 = time.monotonic()\nrun()\nself.assertLess(time.monotonic() - t0, 2)\n'),
    ('sql', "SELECT extract(epoch FROM now()) < (payload ->> 'exp')::numeric AS before_exp FROM t;\n"),
    ('sql', "CREATE FUNCTION pg_temp.ms_since(started timestamptz) RETURNS float8\n"
            "  LANGUAGE sql AS $$ SELECT 1000 * extract(epoch FROM clock_timestamp() - started) $$;\n"
            "SELECT pg_temp.ms_since(:'started') BETWEEN 4000 AND 20000 AS bounded;\n"),
]
UNTIMED = [  # each must pass
    ('py', 'deadline = time.time() + 30\nwhile True:\n    if done() or time.time() > deadline:\n        break\n'
           '    time.sleep(0.2)\ncheck(done(), "never done")\n'),
    ('py', 'deadline = time.time() + 8\nwhile time.time() < deadline:\n    if poll():\n        break\n'
           'check(status == 408, got)\n'),
    ('py', 'deadline = time.time() + 20\nwhile True:\n    text = get()\n'
           '    if "in_use 0" in text or time.time() > deadline:\n        break\ncheck("in_use 0" in text)\n'),
    ('py', 's.settimeout(5)\nt0 = time.time()\nrun()\nprint("took %.2fs" % (time.time() - t0))\ncheck(len(x) < 3)\n'),
    ('py', 'exp = int(time.time()) + 300\ntoken = sign({"exp": exp})\ncheck(verify(token) == 200)\n'),
    ('cpp', 'const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);\n'
            'while (std::chrono::steady_clock::now() < deadline && !done()) poll();\nEXPECT_TRUE(done());\n'
            'EXPECT_LT(compared, 4 * n * 18);\n'),
    ('js', 'const now = () => Math.floor(Date.now() / 1000);\nconst token = sign({ exp: now() + 60 });\n'
           'assert.equal(await verify(token), "ok");\n'),
    ('sh', 'now_claims() { echo "\\"iat\\": $(date +%s)"; }\nfor i in $(seq 50); do\n  ready && break\n  sleep 0.1\n'
           'done\n[[ $status -lt 400 ]] || fail "status $status"\n'),
    ('sql', "CREATE FUNCTION pg_temp.at(s integer) RETURNS bigint LANGUAGE sql\n"
            "  AS $$ SELECT floor(extract(epoch FROM clock_timestamp()))::bigint + s $$;\n"
            "SELECT pg_temp.verify(pg_temp.hs('{}', format('{\"exp\":%s}', pg_temp.at(60)))) AS result;\n"
            "SELECT count(*) < 3 AS few FROM t;\n"),
]


def self_test():
    failed = 0
    for lang, src in TIMED:
        if not violations(src, lang):
            print('self-test: missed a timed assertion (%s):\n%s' % (lang, src))
            failed += 1
    for lang, src in UNTIMED:
        v = violations(src, lang)
        if v:
            print('self-test: false alarm (%s) %s in:\n%s' % (lang, v, src))
            failed += 1
    print('self-test: %d timed and %d untimed samples, %d wrong' % (len(TIMED), len(UNTIMED), failed))
    return failed == 0


def main(argv):
    if argv[1:] == ['--self-test']:
        return 0 if self_test() else 1
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bad = scan(root)
    for b in bad:
        print(b)
    if bad:
        print('%d timed assertion(s): assert counted work or behaviour instead; speed belongs in bench/ '
              '(rule: scripts/check-no-timed-assertions.py)' % len(bad))
        return 1
    print('no timed assertions in %s/tests' % root)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
