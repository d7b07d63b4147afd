# peer-support-bot in a container: docs/CONTAINER.md says how to build and run it (with
# compose.yaml: the bot and PostgreSQL).
#
# Two stages: the first installs the bot and its dependencies into a virtual environment (with a
# compiler at hand, for a dependency that has no ready-made wheel on this machine's platform);
# the second is python:3.11-slim with that environment, the code, the time zone database and
# nothing else, run as an unprivileged user.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Only what the bot needs to run (.dockerignore keeps secrets, data and tests out anyway).
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY migrations ./migrations
# The install README.md gives (editable, in /app): setup.py compiles the translation catalogues
# (bot/locales/*/LC_MESSAGES/*.mo) beside the code, and the migrations stay where the bot looks
# for them (/app/migrations; a plain `pip install .` copies them into the package instead). The
# checks stop the build if either is missing; pip and setuptools are not needed to run.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --upgrade pip \
    && /opt/venv/bin/pip install -e . \
    && /opt/venv/bin/python -c "import bot.client" \
    && /opt/venv/bin/python -c "from bot import migrate; assert migrate.discover()" \
    && test -n "$(find bot/locales -name '*.mo')" \
    && /opt/venv/bin/python -m compileall -q bot cogs \
    && /opt/venv/bin/pip uninstall -y -q pip setuptools

FROM ${PYTHON_IMAGE}
# tzdata: the system's IANA time zones (zoneinfo also has the tzdata package as a fallback).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home bot \
    && mkdir -p /data \
    && chown bot:bot /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_PATH=/data/peer-support-bot.sqlite3 \
    HEALTH_HOST=127.0.0.1 \
    HEALTH_PORT=8790
WORKDIR /app
USER bot
# The SQLite database (when DATABASE_URL does not name a PostgreSQL server) lives here.
VOLUME ["/data"]
# `python -m bot health` asks the bot's /healthz from inside the container (127.0.0.1) and
# prints what is wrong: `docker inspect` shows it under State.Health.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot"]
