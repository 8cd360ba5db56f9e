# papers-bot as a container: `docker compose up -d` (see docker-compose.yml and the README's "As a service").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# The package, installed (not the repository: the image holds no sources, tests or benchmarks).
COPY pyproject.toml README.md /src/
COPY app /src/app
COPY bot /src/bot
COPY retrieval /src/retrieval
COPY store /src/store
RUN pip install /src && rm -rf /src

# A user of its own, and the library on a volume: the database, its index, the heartbeat, and (if used) the
# data folder that !reload reads.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin papers-bot \
    && mkdir -p /data && chown papers-bot:papers-bot /data
USER papers-bot
WORKDIR /data
VOLUME /data
ENV PAPERS_BOT_DB=/data/papers.db PAPERS_BOT_HEALTH_FILE=/data/health.json

# Healthy: connected to Discord, the library answering, the heartbeat (every 15 s) fresh.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["papers-bot", "health"]

# The token comes from the environment (an env file), never the image.
CMD ["papers-bot", "run"]
