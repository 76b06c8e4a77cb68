#!/usr/bin/env bash
# Throughput baseline (issues 4 and 6): iperf3 TCP through a VPN server with one stock OpenVPN
# client, inside network namespaces this creates and removes (see e2e/README.md).
#
#   sudo e2e/bench.sh                                  # stock server, UDP, AES-256-GCM, 10 s x 3 rounds
#   sudo e2e/bench.sh --seconds 1 --rounds 1           # smoke run (CI)
#   sudo e2e/bench.sh --server stock --transport tcp
#
# Builds only this module's classes (the harness has no dependencies), never the appliance.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "$(id -u)" -ne 0 ]; then
  echo "bench.sh: needs root (it creates network namespaces and TUN devices)" >&2
  exit 1
fi
"$here/install-packages.sh" >/dev/null
mkdir -p "$here/target"
build_log="$here/target/bench-build.log"
if ! { mvn -B -q -f "$here/../pom.xml" -N install && mvn -B -q -f "$here/pom.xml" compile; } >"$build_log" 2>&1; then
  cat "$build_log" >&2
  exit 1
fi
cd "$here"
exec java -cp "$here/target/classes" io.portcullis.e2e.bench.ThroughputBench "$@"
