#!/usr/bin/env bash
# The README's screenshot gallery: builds the example project (site and PDFs) with the release
# binary and writes docs/gallery/*.png — the home page at 1400 px and 420 px wide, an account
# page, a CSM page and the scores page at 1400 px, the weekly e-mail digest (as the build prepares it in mail/) at
# 760 px, and the board one-pager's page as a PNG (pdftoppm). Needs
# chromium, pdftoppm (poppler-utils) and typst; scripts/test.sh installs them when missing.
# Usage: scripts/gallery.sh [ACCOUNT_ID] [CSM_PAGE]   (default ACC00030 and the first CSM page)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in chromium pdftoppm typst; do
  command -v "$tool" >/dev/null || { echo "gallery: needs $tool (scripts/test.sh installs it)" >&2; exit 1; }
done
account=${1:-ACC00030}
out=docs/gallery
site=target/gallery/site
cargo build --release --locked --quiet
mkdir -p "$out" target/gallery
target/release/postsale build --out "$site" >/dev/null
csm=${2:-$(cd "$site" && ls csm/*.html | grep -v '/index.html$' | sort | head -n 1)}
board=$(cd "$site" && ls board/*.pdf | sort | tail -n 1)

shot() { # page width height png
  local profile
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size="$2,$3" \
    --screenshot="$4" "file://$PWD/$site/$1" >/dev/null 2>&1
  rm -rf "$profile"
  [ -s "$4" ] || { echo "gallery: no screenshot of $1" >&2; exit 1; }
}
shot index.html 1400 1800 "$out/home-1400.png"
shot index.html 420 1600 "$out/home-420.png"
shot "accounts/$account.html" 1400 1800 "$out/account-1400.png"
shot "$csm" 1400 1800 "$out/csm-1400.png"
shot scores.html 1400 1800 "$out/scores-1400.png"
shot mail/weekly.html 760 2200 "$out/mail-weekly.png"
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$site/$board" "$out/board-one-pager"
echo "gallery: wrote $(ls "$out"/*.png | wc -l) images to $out (board one-pager from $board, CSM page $csm)"
