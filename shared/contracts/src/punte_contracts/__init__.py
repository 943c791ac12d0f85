"""Punte contracts: the pydantic models two services may share, and nothing else."""

from punte_contracts.envelope import CloudEvent, DomainMessage
from punte_contracts.errors import ErrorCode, FieldError, ServiceErrorBody
from punte_contracts.rpc import Contract, GetManyReply, GetManyRequest

__all__ = [
    "CloudEvent",
    "Contract",
    "DomainMessage",
    "ErrorCode",
    "FieldError",
    "GetManyReply",
    "GetManyRequest",
    "ServiceErrorBody",
]
