"""Amazon Bedrock as the month's commentator and the drafter of personal notes: one call of the
Converse API through boto3's `bedrock-runtime` client each,
`OG_SUMMARY_MODEL=bedrock://MODEL_ID[?region=REGION]`.

The request, as AWS documents Converse (`POST /model/{modelId}/converse`): the instructions as
the `system` prompt, the figures (for a note, a customer's journey) as the one `user` message,
and `inferenceConfig` with a small `maxTokens` and a low `temperature`. The answer's words are
`output.message.content[].text`; a `stopReason` other than `end_turn` (or `stop_sequence`)
means they are not finished (cut at `maxTokens`, or a guardrail or content filter stepped in),
and are refused.

The client waits CONNECT_TIMEOUT to connect and READ_TIMEOUT for the answer, and never retries:
the summary goes out without the words rather than late, and a note's modal opens empty.
Credentials and, unless the URL names one, the region come from the usual AWS chain (on
Lambda, the function's role).

boto3 is imported on the first call, so reading the setting costs nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

SCHEME = "bedrock://"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
MAX_TOKENS = 400
TEMPERATURE = 0.2
NOTE_MAX_TOKENS = 700
"""A note's draft: a subject line and a short email, well within this."""
NOTE_TEMPERATURE = 0.5
FINISHED = frozenset({"end_turn", "stop_sequence"})

_log = logging.getLogger("og.summary")


@dataclass(frozen=True)
class BedrockModel:
    model_id: str
    """A model id, an inference profile's id, or either's ARN."""
    region: str | None = None


def parse_bedrock_url(spec: str) -> BedrockModel:
    """`bedrock://anthropic.claude-3-haiku-20240307-v1:0?region=us-east-1` -> its model id and
    region. Everything between the scheme and `?` is the id (an ARN's slashes included).
    Raises ValueError for anything else."""
    if not spec.startswith(SCHEME):
        raise ValueError(f"not a Bedrock model: {spec!r} (expected bedrock://MODEL_ID)")
    model, _, query = spec[len(SCHEME) :].partition("?")
    model = unquote(model).strip()
    params = parse_qs(query, keep_blank_values=True)
    if unknown := sorted(set(params) - {"region"}):
        raise ValueError(f"{spec!r}: unknown option {', '.join(unknown)} (only region)")
    if not model:
        raise ValueError(f"{spec!r} names no model (expected bedrock://MODEL_ID)")
    region = params.get("region", [""])[-1].strip() or None
    return BedrockModel(model_id=model, region=region)


class BedrockCommentator:
    def __init__(
        self,
        model: BedrockModel,
        *,
        client: Any = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        """`client`: a `bedrock-runtime` client; made on the first call when None."""
        self.model = model
        self._client = client
        self._timeouts = (connect_timeout, read_timeout)

    @classmethod
    def from_url(cls, spec: str, **options: Any) -> BedrockCommentator:
        return cls(parse_bedrock_url(spec), **options)

    @property
    def name(self) -> str:
        return f"Amazon Bedrock ({self.model.model_id})"

    def client(self) -> Any:
        if self._client is None:
            import boto3  # type: ignore[import-untyped, unused-ignore]
            from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]

            connect, read = self._timeouts
            config = Config(
                connect_timeout=connect,
                read_timeout=read,
                retries={"total_max_attempts": 1},
            )
            self._client = boto3.client(
                "bedrock-runtime", region_name=self.model.region, config=config
            )
        return self._client

    def comment(self, instructions: str, figures: str) -> str:
        return self._converse(instructions, figures, MAX_TOKENS, TEMPERATURE, "commentary")

    def draft(self, instructions: str, journey: str) -> str:
        """A personal note's draft (engine.ports.NoteDrafter): the same call, with room for a
        short email. A timeout is said in words a person reads in the note's modal."""
        from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
            ConnectTimeoutError,
            ReadTimeoutError,
        )

        try:
            return self._converse(
                instructions, journey, NOTE_MAX_TOKENS, NOTE_TEMPERATURE, "a note's draft"
            )
        except (ConnectTimeoutError, ReadTimeoutError) as error:
            connect, read = self._timeouts
            waited = connect if isinstance(error, ConnectTimeoutError) else read
            raise TimeoutError(f"no answer within {waited:g} seconds") from error

    def _converse(
        self, system: str, text: str, max_tokens: int, temperature: float, what: str
    ) -> str:
        answer = self.client().converse(
            modelId=self.model.model_id,
            system=[{"text": system}],
            messages=[{"role": "user", "content": [{"text": text}]}],
            inferenceConfig={"maxTokens": max_tokens, "temperature": temperature},
        )
        content = answer.get("output", {}).get("message", {}).get("content")
        if not isinstance(content, list):
            raise ValueError("the answer held no message")
        stop = answer.get("stopReason")
        if stop not in FINISHED:
            raise ValueError(f"the model stopped before it finished ({stop})")
        words = " ".join(block["text"] for block in content if "text" in block).strip()
        if not words:
            raise ValueError("the answer held no text")
        usage = answer.get("usage", {})
        _log.info(
            "%s by %s: %s tokens in, %s out",
            what,
            self.name,
            usage.get("inputTokens", "?"),
            usage.get("outputTokens", "?"),
        )
        return words
