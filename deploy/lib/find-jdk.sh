# Sourced by ./verity and .ci/run: exports JAVA_HOME pointing at a JDK 21 or newer.
# Order: $JAVA_HOME, then every JDK under /usr/lib/jvm (newest first), then `java` on the PATH.

java_major() {
  # Prints the feature version of the given java binary (17, 21, 25, ...), or nothing.
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

is_jdk21() {
  local home="$1"
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  local major
  major=$(java_major "$home/bin/java")
  [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null
}

find_jdk21() {
  if [ -n "${JAVA_HOME:-}" ] && is_jdk21 "$JAVA_HOME"; then
    return 0
  fi
  local candidate
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate=${candidate%/}
    if is_jdk21 "$candidate"; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    if is_jdk21 "$candidate"; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  fi
  echo "verity: no JDK 21 or newer found (checked JAVA_HOME, /usr/lib/jvm/*, javac on PATH)." >&2
  echo "verity: install one (e.g. apt-get install openjdk-21-jdk or a Temurin 21+) and set JAVA_HOME." >&2
  return 1
}
