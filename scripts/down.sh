#!/usr/bin/env bash
# Stop the network started by scripts/up.sh. Add --purge to delete its state
# (var/net/default) too; pass --state DIR or --profile NAME for another one.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/bin
go build -o var/bin/network ./network
exec var/bin/network down "$@"
