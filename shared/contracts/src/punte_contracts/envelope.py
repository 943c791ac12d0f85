"""CloudEvents 1.0 (JSON format) envelope for domain messages."""

import builtins
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

MESSAGE_SUBJECT_PREFIX = "punte.msg"


class DomainMessage(BaseModel):
    """Base of every domain message body; subclasses name what happened."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message_service: ClassVar[str]
    message_entity: ClassVar[str]
    message_verb: ClassVar[str]
    message_version: ClassVar[int] = 1

    @classmethod
    def message_type(cls) -> str:
        """The CloudEvents type, which is also the NATS subject."""
        return (
            f"{MESSAGE_SUBJECT_PREFIX}.{cls.message_service}.{cls.message_entity}"
            f".{cls.message_verb}.v{cls.message_version}"
        )


MessageT = TypeVar("MessageT", bound=DomainMessage)


class CloudEvent(BaseModel):
    """A domain message as it travels: CloudEvents 1.0 attributes plus Punte extensions."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: str = "1.0"
    id: UUID
    source: str
    type: str
    subject: str | None = None
    time: datetime
    datacontenttype: str = "application/json"
    # Extension attributes: lowercase alphanumerics only, per the CloudEvents spec.
    actor: str | None = None
    requestid: str | None = None
    # W3C trace context of the change that caused the message (CloudEvents distributed tracing).
    traceparent: str | None = None
    tracestate: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def parse_data(self, model: builtins.type[MessageT]) -> MessageT:
        """Validate the data against the message contract it claims to be."""
        return _validate(model, self.data)


def _validate(model: type[MessageT], data: dict[str, Any]) -> MessageT:
    return model.model_validate(data)
