#!/usr/bin/env bash
# Builds the README's examples as crates of their own, exactly as a new user
# would write them: each `<!-- fresh-crate: NAME KIND -->` marker is followed
# by a ```toml block (the crate's manifest sections) and a ```rust block (the
# code). KIND `bin` builds the code as src/main.rs; KIND `test` runs it as
# tests/readme.rs. `scopegate = "0.1"` is pointed at this checkout; every
# other dependency comes from crates.io as written, so a dependency the README
# forgot to list fails the build here, unlike in a doc test, which sees the
# workspace's dev-dependencies.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
readme="${1:-$root/README.md}"
work="$root/target/readme-crates"
export CARGO_TARGET_DIR="$work/target"
mkdir -p "$work"

python3 - "$readme" "$work" "$root" <<'PY'
import os, re, sys
readme, work, root = sys.argv[1:4]
text = open(readme).read()
markers = list(re.finditer(r'<!-- fresh-crate: (\w+) (bin|test) -->', text))
if not markers:
    sys.exit(f"{readme}: no fresh-crate markers")
for m in markers:
    name, kind = m.group(1), m.group(2)
    rest = text[m.end():]
    toml = re.search(r'```toml\n(.*?)```', rest, re.S)
    code = re.search(r'```rust[^\n]*\n(.*?)```', rest, re.S)
    if not toml or not code:
        sys.exit(f"{name}: a toml block and a rust block must follow the marker")
    manifest = toml.group(1)
    manifest = re.sub(r'scopegate = "0\.1"', f'scopegate = {{ path = "{root}" }}', manifest)
    manifest = re.sub(r'scopegate = \{ version = "0\.1",', f'scopegate = {{ path = "{root}",', manifest)
    # rustdoc's hidden lines (`# code`) are part of the program.
    lines = [re.sub(r'^# ?', '', l) if re.match(r'^#( |$)', l) else l
             for l in code.group(1).splitlines()]
    crate = os.path.join(work, name)
    os.makedirs(os.path.join(crate, 'src'), exist_ok=True)
    os.makedirs(os.path.join(crate, 'tests'), exist_ok=True)
    with open(os.path.join(crate, 'Cargo.toml'), 'w') as f:
        f.write(f'[package]\nname = "readme-{name}"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[workspace]\n\n{manifest}')
    if kind == 'test':
        # The harness brings its own `main`; the README's is for rustdoc.
        lines = [l for l in lines if l.strip() != 'fn main() {}']
    body = '\n'.join(lines) + '\n'
    if kind == 'bin':
        open(os.path.join(crate, 'src', 'main.rs'), 'w').write(body)
    else:
        open(os.path.join(crate, 'src', 'lib.rs'), 'w').write('')
        open(os.path.join(crate, 'tests', 'readme.rs'), 'w').write(body)
    open(os.path.join(crate, 'KIND'), 'w').write(kind)
PY

for crate in "$work"/*/; do
    [ -f "$crate/KIND" ] || continue
    kind="$(cat "$crate/KIND")"
    cp "$root/Cargo.lock" "$crate/Cargo.lock"
    echo "== README crate $(basename "$crate") ($kind)"
    if [ "$kind" = bin ]; then
        cargo build --quiet --manifest-path "$crate/Cargo.toml"
    else
        cargo test --quiet --manifest-path "$crate/Cargo.toml"
    fi
done
echo "README crates: all built"
