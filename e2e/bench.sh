#!/usr/bin/env bash
# Benchmarks through VPN servers with stock OpenVPN clients, inside network namespaces this
# creates and removes (see e2e/README.md).
#
# Throughput baseline (issues 4 and 6): iperf3 TCP with one stock client, one server.
#   sudo e2e/bench.sh                                  # stock server, UDP, AES-256-GCM, 10 s x 3 rounds
#   sudo e2e/bench.sh --seconds 1 --rounds 1           # smoke run (CI)
#   sudo e2e/bench.sh --server stock --transport tcp
#
# Side by side (issue 6): the appliance and the stock server, throughput (1 and 4 clients), CPU
# per GB, added latency, connect time (1 and 50 clients), CPU per handshake, memory per session
# (0/50/200/500 clients). `./portcullis bench` runs this; docs/benchmarks-side-by-side.md.
#   sudo e2e/bench.sh side-by-side                     # everything, 3 rounds (about 15 minutes)
#   sudo e2e/bench.sh side-by-side --quick             # smoke run: 1 round, 1 s, 2 and 5 clients
#   sudo e2e/bench.sh side-by-side --help
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
main=io.portcullis.e2e.bench.ThroughputBench
if [ "${1:-}" = side-by-side ]; then
  shift
  main=io.portcullis.e2e.bench.SideBySideBench
fi
exec java -cp "$here/target/classes" "$main" "$@"
