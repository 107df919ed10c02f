#!/usr/bin/env bash
# Renders the flagship's briefing.html in headless Chromium and checks the screenshot is not
# blank. Installs Debian's chromium if it is missing. Called by .ci/run; needs network access to
# Debian's mirrors only when chromium is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
    echo "installing chromium"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --release --quiet -- run scenarios/nk_russia.ron --runs 2000 --brief --out "$work/nk" --quiet
test -s "$work/nk/briefing.html"

render() {
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile" --hide-scrollbars "$@" 2>/dev/null
}
render --window-size=1280,1600 --screenshot="$work/briefing.png" "file://$work/nk/briefing.html"
python3 .ci/png_not_blank.py "$work/briefing.png"
render --no-pdf-header-footer --print-to-pdf="$work/briefing.pdf" "file://$work/nk/briefing.html"
test -s "$work/briefing.pdf"
echo "briefing renders: screenshot and PDF ($(wc -c < "$work/briefing.pdf") bytes)"
