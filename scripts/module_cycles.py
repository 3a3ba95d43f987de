#!/usr/bin/env python3
"""Reports import cycles between the modules of a Rust crate.

    python3 scripts/module_cycles.py core client dev wire cli

Each argument is a crate directory (or its src/). Every .rs file under src/
is a module (src/lib.rs or src/main.rs the root, src/a.rs and src/a/mod.rs
`a`, src/a/b.rs `a::b`). A module depends on another when its code names it:
`use crate::x::...` (braces expanded), `crate::x::` in code, `super::x`,
`self::x`, or an item the crate root re-exports from `x` (`crate::Item`).
Comments and string literals are ignored; inline `mod name { .. }` blocks
(tests) count as part of their file.

Nesting is not a dependency: a module naming its parent (`super::Item`) or
its child does not make a cycle. A dependency between two modules in
different subtrees counts between the two siblings that contain them, so
`a::x -> b` and `b -> a` is the cycle `a <-> b`.

Exit status: 0 when no crate has a cycle, 1 otherwise, 2 on a usage error.
No dependencies beyond the standard library.
"""

import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_comments_and_strings(text):
    """Blanks out comments, string and char literals, keeping offsets and
    line numbers."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 8]) and not re.match(
            r"[A-Za-z0-9_]", text[i - 1] if i else " "
        ):
            hashes = len(re.match(r"r(#*)", text[i:]).group(1))
            end = '"' + "#" * hashes
            j = text.find(end, i + 2 + hashes)
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'":
            # A char literal ('a', '\n', '\u{..}'), not a lifetime ('a).
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def module_of(src, path):
    rel = os.path.relpath(path, src)[:-3].split(os.sep)
    if rel in (["lib"], ["main"]):
        return ()
    if rel[-1] == "mod":
        rel = rel[:-1]
    return tuple(rel)


def inline_modules(code):
    """(start, end, name) of every `mod name { ... }` block."""
    blocks = []
    for m in re.finditer(r"\bmod\s+(" + IDENT + r")\s*\{", code):
        depth, j = 0, m.end() - 1
        while j < len(code):
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        blocks.append((m.start(), j, m.group(1)))
    return blocks


def expand_use(tree):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e] (as segment lists)."""
    tree = re.sub(r"\s+as\s+" + IDENT, "", tree)
    tree = re.sub(r"\s+", "", tree)
    depth = 0
    for k, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                prefix = tree[:k].rstrip(":")
                inner = tree[k + 1:tree.rfind("}")]
                parts, level, start = [], 0, 0
                for j, c in enumerate(inner):
                    if c == "{":
                        level += 1
                    elif c == "}":
                        level -= 1
                    elif c == "," and level == 0:
                        parts.append(inner[start:j])
                        start = j + 1
                parts.append(inner[start:])
                out = []
                for part in parts:
                    if not part:
                        continue
                    for sub in expand_use(part):
                        if sub == ["self"]:
                            out.append(prefix.split("::") if prefix else [])
                        else:
                            out.append((prefix.split("::") if prefix else []) + sub)
                return out
            depth += 1
    return [tree.split("::")] if tree else []


def absolute(segments, here, modules):
    """A path as written in module `here` -> absolute segments, or None for
    a path outside the crate."""
    if not segments:
        return None
    head = segments[0]
    if tuple(here) + (head,) in modules:
        return list(here) + list(segments)
    if head == "crate":
        return list(segments[1:])
    if head == "self":
        return list(here) + list(segments[1:])
    if head == "super":
        base, rest = list(here), list(segments)
        while rest and rest[0] == "super":
            if not base:
                return None
            base, rest = base[:-1], rest[1:]
        return base + rest
    return None


def references(code, here_of):
    """(offset, segments-as-written) of every crate-internal path."""
    refs = []
    for m in re.finditer(r"\buse\s+([^;]*);", code):
        for path in expand_use(m.group(1)):
            refs.append((m.start(), path, True))
    uses = [(m.start(), m.end()) for m in re.finditer(r"\buse\s+[^;]*;", code)]
    pattern = r"\b(?:crate|super|self)(?:::(?:super|" + IDENT + r"))+"
    for m in re.finditer(pattern, code):
        if any(a <= m.start() < b for a, b in uses):
            continue
        refs.append((m.start(), m.group(0).split("::"), False))
    return refs


def analyse(crate_dir):
    src = crate_dir if os.path.basename(crate_dir.rstrip("/")) == "src" else os.path.join(crate_dir, "src")
    if not os.path.isdir(src):
        raise SystemExit(f"module_cycles: no src/ in {crate_dir}")
    files = {}
    for root, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(root, name)
                files[module_of(src, path)] = path
    modules = set(files)
    code_of = {}
    for module, path in files.items():
        with open(path, encoding="utf-8") as f:
            code_of[module] = strip_comments_and_strings(f.read())

    def resolve(segments):
        """The file module a path lands in (longest known prefix)."""
        for k in range(len(segments), -1, -1):
            if tuple(segments[:k]) in modules:
                return tuple(segments[:k]), segments[k:]
        return (), segments

    # Items the crate root re-exports, to see through `crate::Item`.
    reexports = {}
    root_code = code_of.get((), "")
    for m in re.finditer(r"\bpub\s+use\s+([^;]*);", root_code):
        for path in expand_use(m.group(1)):
            target = absolute(path, (), modules)
            if target:
                module, rest = resolve(target)
                if module and rest:
                    reexports[rest[-1]] = module

    edges = {}  # (from, to) -> evidence
    for module, code in code_of.items():
        blocks = inline_modules(code)
        for offset, written, _ in references(code, None):
            inner = [name for start, end, name in blocks if start < offset < end]
            here = module + tuple(inner)
            target = absolute(written, here, modules)
            if target is None:
                continue
            dest, rest = resolve(target)
            if dest == () and rest and rest[0] in reexports:
                dest = reexports[rest[0]]
            if dest == module:
                continue
            line = code.count("\n", 0, offset) + 1
            edges.setdefault((module, dest), f"{os.path.relpath(files[module])}:{line}")
    return modules, edges


def lift(edges):
    """Edges between siblings: nesting dropped, deeper modules lifted to the
    children of their lowest common ancestor."""
    lifted = {}
    for (a, b), evidence in edges.items():
        k = 0
        while k < min(len(a), len(b)) and a[k] == b[k]:
            k += 1
        if k == len(a) or k == len(b):
            continue  # one contains the other: nesting
        key = (a[: k + 1], b[: k + 1])
        lifted.setdefault(key, []).append(f"{name(a)} -> {name(b)} ({evidence})")
    return lifted


def cycles(lifted):
    """Strongly connected components with more than one module (Tarjan)."""
    graph = {}
    for a, b in lifted:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def name(module):
    return "::".join(module) or "crate"


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 2 if not argv else 0
    found = False
    for crate in argv:
        modules, edges = analyse(crate)
        lifted = lift(edges)
        components = cycles(lifted)
        label = crate.rstrip("/")
        if not components:
            print(f"{label}: {len(modules)} modules, {len(lifted)} dependencies between siblings, no cycles")
            continue
        found = True
        print(f"{label}: {len(components)} cycle(s)")
        for component in components:
            members = set(component)
            print("  cycle: " + " <-> ".join(name(m) for m in component))
            for (a, b), evidence in sorted(lifted.items()):
                if a in members and b in members:
                    for line in evidence:
                        print(f"    {line}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
