# CareCircle: one image for polling or webhook mode, on SQLite or PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install . && useradd --create-home --uid 10001 carecircle \
    && mkdir /data && chown carecircle /data

# SQLite by default, on a volume; docker-compose.yml sets DATABASE_URL to PostgreSQL.
ENV DATABASE_URL=sqlite:////data/carecircle.sqlite3
VOLUME /data
USER carecircle

# Migrations run at every start; the settings come from the environment (see .env.example).
CMD ["python", "-m", "bot"]
