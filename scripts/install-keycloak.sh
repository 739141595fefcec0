#!/usr/bin/env bash
# Keycloak for the OIDC integration tests: the keycloak-quarkus-dist distribution from Maven Central,
# fetched into Maven's local repository and unpacked into .servers/keycloak-<version> (ignored by git).
# Keycloak 26 needs Java 21 or newer; the tests find such a JDK the same way (tests/keycloak_server.py).
set -euo pipefail
KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.4.7}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="$ROOT/.servers/keycloak-$KEYCLOAK_VERSION"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

java_major() {  # the feature version of the JDK/JRE at $1 (0 when unknown)
  local version
  version="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null || true)"
  if [ -z "$version" ]; then  # a JRE may come without the release file; ask the binary
    version="$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1 || true)"
  fi
  echo "${version:-0}"
}

find_java_home() {  # a JAVA_HOME of Java 21+, or nothing
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ "$(java_major "$candidate")" -ge 21 ]; then
      echo "$candidate"
      return
    fi
  done
}

if [ -z "$(find_java_home)" ]; then
  $SUDO apt-get update -qq
  for package in openjdk-21-jre-headless openjdk-25-jre-headless; do
    if apt-cache show "$package" >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$package" >/dev/null
      break
    fi
  done
  if [ -z "$(find_java_home)" ]; then
    echo "Keycloak $KEYCLOAK_VERSION needs Java 21+: none under /usr/lib/jvm and no openjdk-21/25 package;" \
      "install a JDK 21+ and set JAVA_HOME" >&2
    exit 1
  fi
fi

if [ ! -x "$TARGET/bin/kc.sh" ]; then
  if ! command -v mvn >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq maven >/dev/null
  fi
  mkdir -p "$ROOT/.servers"
  STAGING="$(mktemp -d "$ROOT/.servers/.keycloak-unpack.XXXXXX")"
  # dependency:copy goes through Maven's local repository, so a second install downloads nothing.
  mvn -q -B dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" \
    -DoutputDirectory="$STAGING"
  tar xzf "$STAGING/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz" -C "$STAGING"
  # Moved into place whole, so an interrupted install never leaves a half-unpacked server behind.
  rm -rf "$TARGET"
  mv "$STAGING/keycloak-$KEYCLOAK_VERSION" "$TARGET"
  rm "$STAGING/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz"
  rmdir "$STAGING"
fi
