# Build: docker build -t ks-edge-gpu .   Run: docker run -p 8080:8080 -e PROMETHEUS_URL=http://prometheus:9090 ks-edge-gpu
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Plugins ./Plugins
# Compiled into the binary by the EmbedResources plugin: the image needs nothing beside it.
COPY migrations ./migrations
COPY Public ./Public
COPY api ./api
RUN swift build -c release --product ks-edge-gpu --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/ks-edge-gpu" /usr/local/bin/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 --home /app ks-edge-gpu
WORKDIR /app
COPY --from=build /usr/local/bin/ks-edge-gpu /usr/local/bin/ks-edge-gpu
RUN mkdir -p /app/data && chown ks-edge-gpu /app/data
USER ks-edge-gpu
ENV DATABASE_PATH=/app/data/ks-edge-gpu.sqlite
EXPOSE 8080
ENTRYPOINT ["ks-edge-gpu"]
CMD ["serve"]
