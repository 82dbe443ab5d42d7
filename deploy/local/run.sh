#!/usr/bin/env bash
# The whole Verity stack on this machine (called by `./verity run`, which has set JAVA_HOME).
#   --build            rebuild the services first (otherwise only what is missing is built)
#   --exit-when-ready  start everything, print the banner, stop again (a smoke check)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."

modules=(llm-cascade-service data-agent-service execution-agent-service gateway)
build=0
for arg in "$@"; do [ "$arg" = "--build" ] && build=1; done
for module in "${modules[@]}"; do
  [ -f "$module/target/quarkus-app/quarkus-run.jar" ] || build=1
done
# LocalStack's classpath, written by local-infra's package phase (local-infra/pom.xml).
classpath_file=local-infra/target/launcher.classpath
[ -d local-infra/target/classes/dev/verity/local ] && [ -s "$classpath_file" ] || build=1
if [ "$build" = 1 ]; then
  echo "verity: building the services (first run takes a few minutes)..."
  ./mvnw -B -q --no-transfer-progress package -DskipTests
fi
mkdir -p deploy/local/data

args=()
for arg in "$@"; do [ "$arg" = "--build" ] || args+=("$arg"); done
exec "$JAVA_HOME/bin/java" -cp "local-infra/target/classes:$(cat "$classpath_file")" dev.verity.local.LocalStack ${args[@]+"${args[@]}"}
