# The cmrwatch image: one image for every cmrwatch process (streams app, ingest API, simulator, trainer agent);
# the command picks the part, e.g. `docker run cmrwatch:0.1.0 streams --bootstrap kafka:19092`.
# Build from the repository root: docker build -t cmrwatch:0.1.0 .   (docker-compose.yml does this for you)

# ---- build stage: Maven on a full JDK builds the cmrwatch program and copies its runtime libraries.
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
# Poms first: the dependency download below is cached until a pom changes.
COPY pom.xml ./
COPY core/pom.xml core/
COPY kafka/pom.xml kafka/
COPY http/pom.xml http/
COPY broker/pom.xml broker/
COPY testkit/pom.xml testkit/
COPY ingest/pom.xml ingest/
COPY streams-app/pom.xml streams-app/
COPY trainer-agent/pom.xml trainer-agent/
COPY dashboards/pom.xml dashboards/
COPY cli/pom.xml cli/
COPY bench/pom.xml bench/
# Third-party dependencies and plugins only (our own modules are built below, not downloaded). Best effort: it only
# warms the layer cache, and the package step below fails loudly if anything is still missing.
RUN mvn -B -q -pl cli -am dependency:go-offline -DexcludeGroupIds=io.cmrwatch || true
COPY . .
RUN mvn -B -q -DskipTests -pl cli -am package

# ---- runtime stage: a JRE only, the program and its libraries, run as an unprivileged user.
FROM eclipse-temurin:17.0.13_11-jre-jammy
# curl serves the compose healthchecks (GET /health).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system cmrwatch \
 && useradd --system --gid cmrwatch --home-dir /opt/cmrwatch --shell /usr/sbin/nologin cmrwatch \
 && mkdir -p /var/cache/djl /var/lib/cmrwatch \
 && chown cmrwatch:cmrwatch /var/cache/djl /var/lib/cmrwatch
COPY --from=build /src/cli/target/lib/ /opt/cmrwatch/lib/
COPY --from=build /src/cli/target/cmrwatch.jar /opt/cmrwatch/cmrwatch.jar
# DJL unpacks the PyTorch natives (shipped in lib/, never downloaded: ai.djl.offline) into its cache: a volume keeps
# them across container restarts. Kafka Streams keeps its state stores under /var/lib/cmrwatch.
ENV DJL_CACHE_DIR=/var/cache/djl \
    ENGINE_CACHE_DIR=/var/cache/djl \
    CMRWATCH_STATE_DIR=/var/lib/cmrwatch/streams
VOLUME ["/var/cache/djl", "/var/lib/cmrwatch"]
USER cmrwatch
WORKDIR /opt/cmrwatch
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Dai.djl.offline=true", "-jar", "/opt/cmrwatch/cmrwatch.jar"]
CMD ["--help"]
