#!/bin/sh
# The service images' entrypoint (Dockerfile): `python -m $SERVICE [command]`, listening on
# every interface unless <SERVICE>_HOST says otherwise (the settings' own default, 127.0.0.1,
# would be unreachable from outside the container).
set -eu
: "${SERVICE:?SERVICE is not set (docker build --build-arg SERVICE=...)}"
case "$SERVICE" in
  identity|booking|allocator|notifier) ;;
  *) echo "cardcenter-service: unknown SERVICE=$SERVICE" >&2; exit 2 ;;
esac
host_var="$(echo "$SERVICE" | tr '[:lower:]' '[:upper:]')_HOST"
if [ -z "$(printenv "$host_var" || true)" ]; then
  export "$host_var=0.0.0.0"
fi
exec python -m "$SERVICE" "$@"
