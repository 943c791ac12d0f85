#!/bin/sh
# Entrypoint of the Punte image: the first argument names the process to run.
#
#   punte-entrypoint contacts|events|partnerships|gateway [args...]
#   punte-entrypoint <any other command> [args...]     (e.g. sh, alembic, python)
#
# `exec` keeps the service as PID 1, so SIGTERM from Docker or Kubernetes reaches uvicorn,
# which drains requests and stops the service's NATS subscriptions and relay cleanly.
set -eu

usage() {
    echo "usage: punte-entrypoint contacts|events|partnerships|gateway [args...]"
    echo "       punte-entrypoint <command> [args...]"
}

if [ "$#" -eq 0 ]; then
    usage >&2
    exit 64
fi

case "$1" in
    contacts|events|partnerships|gateway)
        service="$1"
        shift
        exec python -m "punte_${service}" "$@"
        ;;
    -h|--help|help)
        usage
        exit 0
        ;;
    *)
        exec "$@"
        ;;
esac
