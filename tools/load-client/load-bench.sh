#!/usr/bin/env bash
# Issue 6's handshake / idle-session benchmark of the appliance with the load client (see README.md):
# network namespaces as in e2e/, the built distribution (assembly/target/portcullis-*.tar.gz) in the
# appliance namespace, tools/load-client/target/load-client.jar in the client namespace.
#
#   sudo tools/load-client/load-bench.sh                          # 1,000 then 10,000 sessions, hold 30 s
#   sudo tools/load-client/load-bench.sh --sessions 200 --hold 15 # smoke run
#   sudo tools/load-client/load-bench.sh --jfr ramp               # + a JFR recording of the appliance per ramp
#   sudo tools/load-client/load-bench.sh --server stock           # the same load against openvpn --server
#
# Builds only this module (MAVEN_ARGS, e.g. -o, go to mvn) and compiles the driver from e2e's sources
# into target/bench-classes with javac; never builds the appliance.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ "$(id -u)" -ne 0 ]; then
  echo "load-bench.sh: needs root (it creates network namespaces and TUN devices)" >&2
  exit 1
fi
mkdir -p "$here/target"
log="$here/target/load-bench-build.log"
if ! { mvn -B -q ${MAVEN_ARGS:-} -f "$root/pom.xml" -pl tools/load-client package -DskipTests \
       && rm -rf "$here/target/bench-classes" \
       && javac -d "$here/target/bench-classes" -sourcepath "$root/e2e/src/main/java" \
            "$root/e2e/src/main/java/io/portcullis/e2e/load/LoadBench.java"; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
cd "$root/e2e" # PortcullisAppliance finds ../assembly/target/portcullis-*.tar.gz from here
# JAVA_OPTS: e.g. -De2e.appliance.distribution=/path/to/portcullis-*.tar.gz (a copy that no build rewrites)
exec java ${JAVA_OPTS:-} -cp "$here/target/bench-classes" io.portcullis.e2e.load.LoadBench \
  --client-jar "$here/target/load-client.jar" \
  --work "$here/target/load/$(date +%Y%m%d-%H%M%S)" "$@"
