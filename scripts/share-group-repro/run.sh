#!/usr/bin/env bash
# Reproduces, against the embedded broker, why a busy share-group member must leave the group (docs/worker.md,
# "Why a busy worker leaves the group"). Build first: mvn -B -DskipTests install.
# Usage: scripts/share-group-repro/run.sh [scenario...]
#   scenarios: s1 s2silent s2renew s3 s4a s4b s4close s5 s6 s6gap s7 (default: all, about 6 minutes)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$root/worker" && mvn -q -o dependency:build-classpath -Dmdep.outputFile="$work/cp.txt")
cp="$(cat "$work/cp.txt"):$root/broker/target/classes"
javac -nowarn -d "$work/out" -cp "$cp" "$here/Repro.java"
# client and broker warnings (the share partition's "last delivery attempt" among them) go to repro-broker.log
exec timeout 900 java -Dai.djl.offline=true -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.logFile=repro-broker.log \
  -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
  -cp "$work/out:$cp" Repro "$@"
