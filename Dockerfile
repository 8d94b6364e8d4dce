# The portal's production image: one image for the web, worker and beat services of
# docker-compose.yml, which choose the command.
FROM python:3.13-slim-bookworm

# Fonts and text shaping for WeasyPrint, so that directory PDFs print every script
# (CJK, Devanagari, Thai, Arabic...) instead of empty boxes.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        fonts-noto-core fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

# Settings find templates/, static/ and data/ next to the code, so the code is imported from
# /app (PYTHONPATH), not from the copy that `pip install .` puts in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=sistercities.settings \
    VAR_DIR=/app/var \
    DEBUG=false

WORKDIR /app
COPY . .
RUN pip install . \
    && rm -rf build *.egg-info \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p var/private var/static var/mail \
    && chown -R portal:portal var

USER portal
EXPOSE 8000

# docker-compose.yml runs migrate and collectstatic before this, and overrides it for the
# worker and beat services. gunicorn reads WEB_CONCURRENCY for its number of workers.
CMD ["gunicorn", "sistercities.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
