#!/usr/bin/env bash
# Builds the two real corpora of cmrwatch's CPT experiments from Debian packages, offline:
#   general.txt  English prose: the King James Version of the Bible (bible-kjv-text, read through bible-kjv's
#                `bible` program; public domain text), the Debian Reference (debian-reference-en, GPL-2+) and the
#                licence texts in /usr/share/common-licenses (base-files).
#   domain.txt   source code: the Python 3.11 standard library (libpython3.11-stdlib and libpython3.11-minimal,
#                PSF License), its tests left out.
# Documents (Bible chapters, Reference sections, licences; source files) are shuffled with a fixed seed before they
# are joined, so that the last 5 % of each file — the part cmrwatch holds out for validation — is a sample of the
# whole corpus rather than its last book. Same packages, same bytes: the script prints each file's SHA-256.
#   data/corpora.sh                 # writes data/corpora/{general,domain}.txt (git ignores them)
#   data/corpora.sh --install       # first apt-get installs the packages (as root)
#   data/corpora.sh --out DIR       # writes DIR/{general,domain}.txt
# Needs: bible-kjv (pulls bible-kjv-text), debian-reference-en, python3 (with libpython3.11-stdlib).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/data/corpora"
install=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --install) install=1; shift ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "corpora.sh: unknown argument $1 (use --out DIR or --install)" >&2; exit 2 ;;
  esac
done
packages=(bible-kjv bible-kjv-text debian-reference-en python3 libpython3.11-stdlib)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$install" = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "corpora.sh: missing Debian packages ${missing[*]}: apt-get install -y ${missing[*]}" \
      "(or run data/corpora.sh --install as root)" >&2
    exit 1
  fi
fi
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The whole Bible, one verse per line ("Ge1:1 In the beginning ..."), wrapped lines joined.
bible -f -l100000 'Gen1:1-Rev22:21' >"$work/kjv.txt"
zcat /usr/share/debian-reference/debian-reference.en.txt.gz >"$work/reference.txt"
# Python sources of the two packages that ship the standard library, tests left out.
dpkg -L libpython3.11-stdlib libpython3.11-minimal | grep -E '^/usr/lib/python3\.11/.*\.py$' \
  | grep -v -E '/(test|tests|idle_test)/' | sort -u >"$work/python-files.txt"

python3 - "$work" "$out" <<'PY'
import hashlib
import os
import random
import re
import sys

work, out = sys.argv[1], sys.argv[2]

def chapters(path):
    """Bible verses grouped by chapter; the verse labels (Ge1:1) dropped, a chapter one paragraph."""
    docs, current, key = [], [], None
    label = re.compile(r"^([1-3]?[A-Za-z]+)(\d+):\d+ (.*)$")
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = label.match(line.rstrip("\n"))
            if not m:
                continue
            chapter = (m.group(1), m.group(2))
            if chapter != key and current:
                docs.append(" ".join(current) + "\n")
                current = []
            key = chapter
            current.append(m.group(3).strip())
    if current:
        docs.append(" ".join(current) + "\n")
    return docs

def sections(path):
    """The Debian Reference split at its numbered section headings (e.g. "1.2.3. Title")."""
    docs, current = [], []
    heading = re.compile(r"^\d+(\.\d+)*\. \S")
    with open(path, encoding="utf-8") as f:
        for line in f:
            if heading.match(line) and current:
                docs.append("".join(current))
                current = []
            current.append(line)
    if current:
        docs.append("".join(current))
    return [d for d in docs if d.strip()]

def licences():
    base = "/usr/share/common-licenses"
    docs = []
    for name in sorted(os.listdir(base)):
        p = os.path.join(base, name)
        if os.path.isfile(p) and not os.path.islink(p):
            with open(p, encoding="utf-8", errors="strict") as f:
                docs.append(f.read())
    return docs

def sources(listing):
    docs = []
    with open(listing) as f:
        for path in f.read().split():
            try:
                with open(path, encoding="utf-8") as src:
                    docs.append(src.read())
            except (UnicodeDecodeError, OSError):
                continue  # a few stdlib files are Latin-1 test data; leave them out
    return docs

def write(name, docs, seed):
    random.Random(seed).shuffle(docs)
    data = "\n".join(d if d.endswith("\n") else d + "\n" for d in docs).encode("utf-8")
    path = os.path.join(out, name)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    print(f"{path}: {len(data):,} bytes, {len(docs):,} documents, sha256 {hashlib.sha256(data).hexdigest()}")
    return len(data)

general = chapters(os.path.join(work, "kjv.txt")) + sections(os.path.join(work, "reference.txt")) + licences()
domain = sources(os.path.join(work, "python-files.txt"))
sizes = [write("general.txt", general, 18), write("domain.txt", domain, 18)]
if min(sizes) < 5_000_000:
    sys.exit(f"a corpus came out smaller than 5 MB ({sizes}); are the packages complete?")
PY
