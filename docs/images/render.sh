#!/usr/bin/env bash
# Renders the README's picture: the gate sample's computational graph with its backward part,
# values (green) and gradients (red), as docs/images/gate.svg (by netc) and gate.png (by
# rsvg-convert, from Debian's librsvg2-bin: apt-get install -y librsvg2-bin).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
./netc graph samples/gate/gate.net --backward --at samples/gate/values.json -o docs/images/gate.svg
command -v rsvg-convert >/dev/null 2>&1 || { echo "render.sh: needs rsvg-convert (apt-get install -y librsvg2-bin)" >&2; exit 3; }
rsvg-convert --zoom 1.5 --background-color white docs/images/gate.svg -o docs/images/gate.png
echo "rendered docs/images/gate.png"
