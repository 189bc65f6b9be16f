#!/usr/bin/env bash
# Restart the systemd workers one at a time (docs/deploy.md, "Upgrades"): each one leaves, comes
# back and answers /api/v1/health before the next one goes. nginx sends requests to the others
# meanwhile (proxy_next_upstream); the tabs of the restarted worker reconnect to another one.
#   deploy/rolling-restart.sh 8001 8002
set -euo pipefail
for port in "$@"; do
  echo "Reiniciando tramite-worker@$port…"
  systemctl restart "tramite-worker@$port"
  for _ in $(seq 180); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/health" && break
    sleep 1
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/health" || { echo "tramite-worker@$port no responde: se detiene el reinicio" >&2; exit 1; }
done
echo "Reinicio escalonado terminado."
