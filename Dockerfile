# One image per service, from this one file. Build context: the repository root.
#   docker build --build-arg SERVICE=booking -t cardcenter/booking .
# SERVICE is identity, booking, allocator or notifier (docker-compose.yml passes it).
#
# Base: python:3.11-slim (3.11.15, Debian trixie), pinned by the digest of its multi-platform
# index as published in docker-library/repo-info (repos/python/remote/3.11-slim.md, commit
# 2477d553d2fdfa57b4ec11f63c8376eca8b7a253, Aug 2026). NOT verified by a pull: no registry
# was reachable where this was written. Check with
# `docker buildx imagetools inspect python:3.11-slim` and move the digest deliberately.
ARG PYTHON_IMAGE=python:3.11-slim@sha256:90744cff8f32887f075c47d747a173ff333e9e98801667af93c357fa9f5e28ff

# ---- wheels of the suite's own two packages (libs/shared and the service) ----------------
FROM ${PYTHON_IMAGE} AS wheels
ARG SERVICE
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY libs/shared /src/libs/shared
COPY services/${SERVICE} /src/services/${SERVICE}
# No index, no isolation: built with the setuptools the base image ships, nothing fetched.
RUN test -n "${SERVICE}" \
 && pip wheel --no-deps --no-index --no-build-isolation --wheel-dir /wheels \
        /src/libs/shared "/src/services/${SERVICE}"

# ---- the service ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
ARG SERVICE
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SERVICE=${SERVICE}

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# Third-party packages first (this layer stays cached until the lock changes): exactly the
# versions constraints.txt pins, every file checked against its sha256, wheels only (no
# compiler, no build step). scripts/lock writes the lock.
COPY requirements-runtime.lock /tmp/requirements-runtime.lock
RUN pip install --require-hashes --only-binary=:all: --no-deps -r /tmp/requirements-runtime.lock \
 && rm /tmp/requirements-runtime.lock

# The suite's own packages, installed as wheels (not editable). A service finds its SQL
# migrations at <package>/../migrations (services/<name>/migrations beside the package in
# the source tree), which in site-packages is site-packages/migrations: copied there, and
# checked below by importing the service and listing what it will apply.
COPY --from=wheels /wheels /tmp/wheels
COPY services/${SERVICE}/migrations /usr/local/lib/python3.11/site-packages/migrations
RUN pip install --no-deps --no-index /tmp/wheels/*.whl \
 && rm -rf /tmp/wheels \
 && pip check \
 && python -c "import importlib, os; app = importlib.import_module(os.environ['SERVICE'] + '.app'); found = sorted(app.MIGRATIONS.glob('*.sql')); assert found, app.MIGRATIONS; print(len(found), 'migrations in', app.MIGRATIONS)"

COPY deploy/docker/service-entrypoint.sh /usr/local/bin/cardcenter-service

WORKDIR /app
USER 10001:10001
EXPOSE 8001 8002 8003 8004

# <SERVICE>_PORT (8001..8004 by default, see the settings classes) is the one to probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; s = os.environ['SERVICE']; p = os.environ.get(s.upper() + '_PORT') or {'identity': 8001, 'booking': 8002, 'allocator': 8003, 'notifier': 8004}[s]; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % p, timeout=2)"]

# `python -m $SERVICE` (serve); `docker run IMAGE migrate` applies the migrations and exits.
ENTRYPOINT ["cardcenter-service"]
CMD []
