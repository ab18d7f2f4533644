"""Fold the firmware's shared constants into the modules that use them, for `pulseboot build`.

MicroPython folds a `NAME = const(N)` into the code of its own module only: another module's
`limits.NAME` is a dictionary lookup on every tick, and `import limits` keeps the whole table
(its names and their dictionary, some 1.7 KB) in RAM for as long as the control loop runs. The
build compiles each module from a copy in which every use of a constant of the tables below is
its number, and an import left with nothing to fetch is gone, so those tables are never loaded
by the loop. The source, which the host runs and the tests read, is unchanged; the tables'
own modules are still built (a test or a start-up module may import them); line numbers stay.
"""
import io
import re
import tokenize

# Modules of plain integer constants (firmware/lib): NAME = const(N) lines. What else they
# hold (faults.NAMES, say) is left to the modules that import them for it.
TABLES = ("limits", "faults")

_CONST = re.compile(r"^([A-Z][A-Z0-9_]*) = const\((-?\d+)\)", re.M)


def constants(lib):
    """{table: {NAME: value}} read from the tables' sources in lib (a pathlib.Path)."""
    return {m: {n: int(v) for n, v in _CONST.findall((lib / (m + ".py")).read_text())} for m in TABLES}


def _number(value):
    return str(value) if value >= 0 else "(%d)" % value


def _statements(tokens):
    """Logical lines as lists of tokens (comments, blank lines and indentation left out)."""
    line = []
    for tok in tokens:
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.INDENT, tokenize.DEDENT):
            continue
        line.append(tok)
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            yield line
            line = []


def _imports(statement, tables):
    """(modules, names) an import of a table brings in (at any depth: within a file a table's
    name means that table): {alias: table} for
    `import limits [as x]`, {alias: value} for a `from faults import A [as b], ...` that
    fetches constants only. None when the statement is anything else."""
    words = [t.string for t in statement if t.type in (tokenize.NAME, tokenize.OP)]
    if words[:1] == ["import"] and len(words) in (2, 4) and words[1] in tables:
        if len(words) == 2 or words[2] == "as":
            return {words[-1]: words[1]}, {}
        return None
    if words[:1] == ["from"] and len(words) >= 4 and words[1] in tables and words[2] == "import":
        table = tables[words[1]]
        names = {}
        rest = [w for w in words[3:] if w not in "()"]
        for part in " ".join(rest).split(","):
            got = part.split()
            if not got:
                continue  # (a trailing comma)
            if got[0] not in table or len(got) not in (1, 3):
                return None  # something else fetched too: the import stays whole
            names[got[-1]] = table[got[0]]
        return {}, names
    return None


def fold(source, tables):
    """source with every use of a table's constant made its number, and the imports of the
    tables that then fetch nothing removed (their lines left blank). tables: constants()."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    modules, names, imports = {}, {}, []
    for statement in _statements(tokens):
        got = _imports(statement, tables)
        if got is not None:
            modules.update(got[0])
            names.update(got[1])
            imports.append((statement, got))
    # A bare name also bound in this module (assigned, or a parameter) is not folded.
    for i, tok in enumerate(tokens[:-1]):
        if tok.type == tokenize.NAME and tok.string in names and tokens[i + 1].string == "=":
            names.pop(tok.string)
    in_import = {id(t) for statement, _ in imports for t in statement}
    edits = []  # (start, end, text), positions as (row, col)
    used = set()  # the module aliases still read
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or id(tok) in in_import or (i and tokens[i - 1].string == "."):
            continue
        if tok.string in modules:
            table = tables[modules[tok.string]]
            if i + 2 < len(tokens) and tokens[i + 1].string == "." and tokens[i + 2].string in table:
                edits.append((tok.start, tokens[i + 2].end, _number(table[tokens[i + 2].string])))
            else:
                used.add(tok.string)
        elif tok.string in names:
            edits.append((tok.start, tok.end, _number(names[tok.string])))
    for statement, (mods, fetched) in imports:
        whole = all(m not in used for m in mods) and all(n in names for n in fetched)
        if whole:
            edits.append((statement[0].start, statement[-1].start, ""))
    lines = source.splitlines(keepends=True)
    for (r0, c0), (r1, c1), text in sorted(edits, reverse=True):
        if r0 != r1:  # (an import over several lines: blank them, keep the count)
            lines[r0 - 1:r1] = [lines[r0 - 1][:c0] + "\n"] + ["\n"] * (r1 - r0 - 1) + [lines[r1 - 1][c1:]]
        else:
            lines[r0 - 1] = lines[r0 - 1][:c0] + text + lines[r0 - 1][c1:]
    return "".join(lines)


def fold_or_keep(source, tables):
    """fold(), or the source as it is when it does not even tokenize: mpy-cross then says
    where it is wrong, as for any file."""
    try:
        return fold(source, tables)
    except (tokenize.TokenError, SyntaxError):
        return source
