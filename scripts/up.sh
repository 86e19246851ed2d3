#!/usr/bin/env bash
# Bring the qrsign system up from a fresh clone: builds the network tool, the
# pinned Fabric tools (once, cached in ${QRSIGN_CACHE:-~/.cache/qrsign}), the
# chaincode and the relay, then starts the `default` profile of
# test-network.yaml with its state in var/net/default. Safe to run again: a
# running network is left running (the chaincode is upgraded if it changed).
# Extra arguments go to `network up` (e.g. --profile redundant, --port-offset 100).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v go >/dev/null || { echo "up.sh: missing tool: go (Go 1.26 is needed)" >&2; exit 1; }
# The relay embeds a subset of this font in every PDF and will not start without it.
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
	echo "==> apt-get install fonts-wqy-microhei (the relay's PDF font)"
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-wqy-microhei >/dev/null </dev/null ||
		{ echo "up.sh: could not install fonts-wqy-microhei (PDF_FONT_MISSING); install it or set pdfFont" >&2; exit 1; }
fi
mkdir -p var/bin
echo "==> network tool (go build ./network)"
go build -o var/bin/network ./network
exec var/bin/network up "$@"
