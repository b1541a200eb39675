#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ (or DIR/<target>/) with the seeds in
# fuzz/seeds/ and the real curricula. The corpus is not committed; run this
# before `cargo fuzz run`.  Usage: fuzz/seed.sh [DIR]
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/corpus}")
cd "$(dirname "$0")"
root=..
for t in curriculum_parse markdown_render csv_import pdf_layout; do
    mkdir -p "$out/$t"
    cp seeds/"$t"/* "$out/$t/"
done
n=0
for dir in "$root"/curricula/*/ "$root"/tests/fixtures/broken-curricula/*/; do
    [ -f "$dir/curriculum.toml" ] || continue
    for s in "$dir"/sessions/*.md; do
        [ -f "$s" ] || continue
        n=$((n + 1))
        name=$(basename "$s")
        # manifest \0 session \0 file name
        { cat "$dir/curriculum.toml"; printf '\0'; cat "$s"; printf '\0%s' "$name"; } \
            > "$out/curriculum_parse/real-$n.bin"
        # The Markdown body (after the front matter), for the HTML and PDF targets.
        awk 'f>=2 {print} /^\+\+\+/ {f++}' "$s" > "$out/markdown_render/real-$n.md"
        { printf '\001\000'; head -c 4000 "$out/markdown_render/real-$n.md"; } \
            > "$out/pdf_layout/real-$n.bin"
    done
done
printf 'seeded %s:' "$out"
for t in "$out"/*; do printf ' %s=%s' "${t##*/}" "$(ls "$t" | wc -l)"; done
echo
