#!/usr/bin/env bash
# Renders a Verity overlay to stdout (deploy/k8s/README.md):
#   deploy/k8s/render.sh [--build] [--images] dev|prod  > verity-dev.yaml
#   deploy/k8s/render.sh dev | kubectl apply -f -
#
#   --build   package the four services first (writes <service>/target/kubernetes/kubernetes.yml)
#   --images  also build each service's JVM image (src/main/docker/Dockerfile.jvm) with the tag the
#             manifests name; CONTAINER_TOOL=podman to use podman instead of docker
#
# Flow: the quarkus-kubernetes extension generates each service's manifests at package time; this
# script copies them into base/generated/ (git-ignored, never edited by hand) and lets kustomize
# lay base/ and the overlay over them. The k8s-tests module renders the same way and checks the result.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
root="$(cd "$here/../.." && pwd)"
services=(llm-cascade-service data-agent-service execution-agent-service gateway)

build=0 images=0 overlay=""
for arg in "$@"; do
  case "$arg" in
    --build) build=1 ;;
    --images) images=1 ;;
    -*) echo "render.sh: unknown option $arg" >&2; exit 2 ;;
    *) overlay="$arg" ;;
  esac
done
if [ -z "$overlay" ] || [ ! -f "$here/overlays/$overlay/kustomization.yaml" ]; then
  echo "usage: deploy/k8s/render.sh [--build] [--images] <overlay>   (overlays: $(ls "$here/overlays" | tr '\n' ' '))" >&2
  exit 2
fi

if [ "$build" = 1 ]; then
  (cd "$root" && ./mvnw -B -q --no-transfer-progress package -DskipTests \
      -pl "contract,$(IFS=,; echo "${services[*]}")") >&2
fi

mkdir -p "$here/base/generated"
for service in "${services[@]}"; do
  generated="$root/$service/target/kubernetes/kubernetes.yml"
  if [ ! -f "$generated" ]; then
    echo "render.sh: $generated is missing: package the services first (render.sh --build $overlay)" >&2
    exit 1
  fi
  cp "$generated" "$here/base/generated/$service.yml"
  if [ "$images" = 1 ]; then
    image="$(grep -m1 -E '^\s+image: ' "$generated" | awk '{print $2}')"
    "${CONTAINER_TOOL:-docker}" build -f "$root/$service/src/main/docker/Dockerfile.jvm" -t "$image" "$root/$service" >&2
  fi
done

if command -v kustomize >/dev/null 2>&1; then
  exec kustomize build "$here/overlays/$overlay"
elif command -v kubectl >/dev/null 2>&1; then
  exec kubectl kustomize "$here/overlays/$overlay"
else
  echo "render.sh: needs kubectl (with its built-in kustomize) or kustomize on PATH" >&2
  exit 1
fi
