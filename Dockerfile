# The Onboarding Guide's Lambda image (template.yaml builds it with `sam build`).
#
# Stage 1 builds the project's wheel from pyproject.toml and installs it with its runtime
# dependencies (never the `dev` extra) into /opt/guide. Stage 2 is a fresh copy of the base
# image plus that folder: no pip cache, no build tools, no sources or tests (.dockerignore lets
# only pyproject.toml, README.md and the four packages into the build context).
FROM public.ecr.aws/lambda/python:3.12 AS build

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY engine ./engine
COPY listeners ./listeners
COPY modals ./modals
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
 && pip install --no-cache-dir --target /opt/guide /wheels/*.whl \
 && rm -rf /opt/guide/bin

FROM public.ecr.aws/lambda/python:3.12

# With the .pyc files pip compiled at install: the function's file system is read-only, so
# without them every cold start would compile the guide and its libraries again.
COPY --from=build /opt/guide ${LAMBDA_TASK_ROOT}

CMD ["bot.aws_lambda.handler"]
