# The Onboarding Guide's Lambda image (template.yaml builds it with `sam build`).
#
# Stage 1 installs the runtime dependencies exactly as requirements.lock pins them (every
# file checked against its sha256; `make lock` writes the lock from pyproject.toml, never the
# `dev` extra) into /opt/guide, then builds the project's wheel and adds it. Stage 2 is a fresh
# copy of the base image plus that folder: no pip cache, no build tools, no sources or tests
# (.dockerignore lets only the lock, pyproject.toml, README.md and the four packages into the
# build context).
FROM public.ecr.aws/lambda/python:3.12 AS build

WORKDIR /src
# The dependencies first: their layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps --target /opt/guide -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY engine ./engine
COPY listeners ./listeners
COPY modals ./modals
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
 && pip install --no-cache-dir --no-deps --upgrade --target /opt/guide /wheels/*.whl \
 && rm -rf /opt/guide/bin

FROM public.ecr.aws/lambda/python:3.12

# With the .pyc files pip compiled at install: the function's file system is read-only, so
# without them every cold start would compile the guide and its libraries again.
COPY --from=build /opt/guide ${LAMBDA_TASK_ROOT}

CMD ["bot.aws_lambda.handler"]
