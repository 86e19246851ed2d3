#!/usr/bin/env bash
# Everything CI runs: apt packages the tests need, the Fabric tools (cached),
# the OpenAPI lint (@redocly/cli from npm, cached in var/),
# go vet, unit tests with -race, then integration tests against a real,
# isolated network (profile default, ports +OFFSET, state var/test/default)
# and the fault tests against the redundant profile. Each network is torn
# down (down --purge) on exit, interrupt or failure. Exit status is non-zero
# if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OFFSET=${QRSIGN_TEST_PORT_OFFSET:-20000}
NET=$ROOT/var/bin/network
START=$(date +%s)
failed=()

step() { echo; echo "=== $* [$(date -u +%H:%M:%S)]"; }
die() { echo "test.sh: $*" >&2; exit 1; }

command -v go >/dev/null || die "missing tool: go (Go 1.26 is needed)"

step "apt packages (zbar-tools, poppler-utils, mupdf-tools, qpdf, libnss3-tools, openssl, chromium, fonts-wqy-microhei, fontconfig)"
need=()
command -v zbarimg >/dev/null || need+=(zbar-tools)
command -v pdftotext >/dev/null || need+=(poppler-utils) # pdftotext, pdffonts, pdfsig, pdftoppm
# The validators nobody here wrote, which the signed-PDF tests run: MuPDF, qpdf, NSS's certutil, OpenSSL.
command -v mutool >/dev/null || need+=(mupdf-tools)
command -v qpdf >/dev/null || need+=(qpdf)
command -v certutil >/dev/null || need+=(libnss3-tools)
command -v openssl >/dev/null || need+=(openssl)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei) # the relay's PDF font (pdfFont)
command -v fc-query >/dev/null || need+=(fontconfig) # a second reading of the font's coverage (relay/export)
if ((${#need[@]})); then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	echo "installing ${need[*]}"
	$SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null </dev/null ||
		die "apt-get install ${need[*]} failed"
else
	echo "already installed"
fi

step "network tool and pinned Fabric tools (built once, cached)"
mkdir -p var/bin
go build -o "$NET" ./network || die "building ./network failed"
"$NET" tools || die "building the Fabric tools failed"

# The OpenAPI linter, installed from npm into var/ once per version (no global install).
REDOCLY_VERSION=2.77.0
step "OpenAPI lint (@redocly/cli $REDOCLY_VERSION, recommended rules)"
REDOCLY_DIR=$ROOT/var/tools/redocly-$REDOCLY_VERSION
REDOCLY=$REDOCLY_DIR/node_modules/.bin/redocly
command -v npm >/dev/null || die "missing tool: npm (Node.js and npm are needed for the OpenAPI lint: apt-get install npm)"
if [ ! -x "$REDOCLY" ]; then
	npm install --prefix "$REDOCLY_DIR" --save-exact --no-audit --no-fund --loglevel=error "@redocly/cli@$REDOCLY_VERSION" ||
		die "npm install @redocly/cli@$REDOCLY_VERSION failed"
fi
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	"$REDOCLY" lint --extends recommended relay/httpapi/openapi.json || failed+=("openapi lint")

step "go vet"
go vet ./... || failed+=("go vet")
go vet -tags integration,faults ./... || failed+=("go vet -tags integration,faults")
# ./... skips the phone page's signer module: it builds for js/wasm only.
GOOS=js GOARCH=wasm go vet ./relay/cmd/signer-wasm || failed+=("go vet (js/wasm)")

step "unit tests (go test -race ./...)"
go test -race ./... || failed+=("unit tests")

STATE=""
teardown() {
	if [ -n "$STATE" ]; then
		"$NET" down --purge --state "$STATE" >/dev/null 2>&1 || true
		STATE=""
	fi
}
trap teardown EXIT
trap 'teardown; exit 130' INT TERM

# network PROFILE TAGS RUN: up an isolated network, run the tagged tests, tear down.
network() {
	local profile=$1 tags=$2 run=$3
	STATE=$ROOT/var/test/$profile
	step "network $profile (state $STATE, port offset +$OFFSET)"
	"$NET" down --purge --state "$STATE" >/dev/null 2>&1 || true
	if ! "$NET" up --profile "$profile" --state "$STATE" --port-offset "$OFFSET"; then
		failed+=("network up $profile")
		teardown
		return
	fi
	step "integration tests (-tags $tags${run:+ -run $run}) on $profile"
	if ! QRSIGN_NETWORK_STATE=$STATE go test -tags "$tags" -count=1 -p 1 -timeout 30m ${run:+-run "$run"} ./...; then
		failed+=("tests -tags $tags on $profile")
		echo "--- network status after the failure:"
		"$NET" status --state "$STATE" || true
	fi
	teardown
}

network default integration ""
network redundant integration,faults Fault

step "summary"
echo "took $(($(date +%s) - START)) s"
if ((${#failed[@]})); then
	printf 'FAILED: %s\n' "${failed[@]}"
	exit 1
fi
echo "PASS: vet, unit tests, integration tests (default), fault tests (redundant)"
