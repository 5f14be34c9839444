#!/usr/bin/env bash
# Re-vendor the front-end assets from the npm registry into townhall/static/vendor (no CDN:
# government networks are often closed). Run by hand when upgrading; the files are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent htmx.org@2.0.11 @picocss/pico@2.1.1 >/dev/null)
for pkg in htmx.org-2.0.11 picocss-pico-2.1.1; do mkdir -p "$tmp/$pkg" && tar xzf "$tmp/$pkg.tgz" -C "$tmp/$pkg"; done
mkdir -p townhall/static/vendor/htmx-2.0.11 townhall/static/vendor/pico-2.1.1
cp "$tmp/htmx.org-2.0.11/package/dist/htmx.min.js" "$tmp/htmx.org-2.0.11/package/LICENSE" townhall/static/vendor/htmx-2.0.11/
cp "$tmp/picocss-pico-2.1.1/package/css/pico.min.css" "$tmp/picocss-pico-2.1.1/package/LICENSE.md" townhall/static/vendor/pico-2.1.1/
# Chart.js draws the report dashboard's charts (townhall/static/reports.js).
(cd "$tmp" && npm pack --silent chart.js@4.5.1 >/dev/null)
mkdir -p "$tmp/chart.js-4.5.1" && tar xzf "$tmp/chart.js-4.5.1.tgz" -C "$tmp/chart.js-4.5.1"
mkdir -p townhall/static/vendor/chartjs-4.5.1
cp "$tmp/chart.js-4.5.1/package/dist/chart.umd.js" "$tmp/chart.js-4.5.1/package/LICENSE.md" townhall/static/vendor/chartjs-4.5.1/
