"""Punte contracts: the pydantic models two services may share, and nothing else."""

from punte_contracts.envelope import CloudEvent, DomainMessage
from punte_contracts.errors import ErrorCode, FieldError, ServiceErrorBody
from punte_contracts.rpc import NO_PERMISSION, Contract, GetMany, GetManyReply, Request

__all__ = [
    "NO_PERMISSION",
    "CloudEvent",
    "Contract",
    "DomainMessage",
    "ErrorCode",
    "FieldError",
    "GetMany",
    "GetManyReply",
    "Request",
    "ServiceErrorBody",
]
