# aicr: the CLI and snapshot agent image (`aicr snapshot --deploy-agent` runs it as a Job).
#
#   docker build -t ghcr.io/nvidia/aicr:v0.1.0 \
#     --build-arg AICR_BUILD_VERSION=0.1.0 --build-arg AICR_BUILD_COMMIT=$(git rev-parse --short HEAD) .
#
# The image runs as a non-root user (65532). The agent Job overrides that: privileged mode (default)
# runs as root with host PID/network/IPC to read the node; `--privileged=false` runs as 65534 with a
# read-only root filesystem. nvidia-smi is not in the image: the NVIDIA container runtime injects it
# (`--runtime-class nvidia`), or the GPU measurement reports 0 GPUs.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
ARG AICR_BUILD_VERSION=""
ARG AICR_BUILD_COMMIT=""
ARG AICR_BUILD_DATE=""
RUN AICR_BUILD_VERSION="${AICR_BUILD_VERSION}" AICR_BUILD_COMMIT="${AICR_BUILD_COMMIT}" \
    AICR_BUILD_DATE="${AICR_BUILD_DATE}" npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# systemctl for the SystemD measurement (it talks to the host's systemd through /run/systemd).
RUN apt-get update \
 && apt-get install -y --no-install-recommends systemd \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/aicr
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
RUN ln -s /opt/aicr/dist/aicr.cjs /usr/local/bin/aicr
USER 65532:65532
ENTRYPOINT ["aicr"]
CMD ["--help"]
