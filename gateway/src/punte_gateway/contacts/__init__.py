"""GraphQL of the contacts domain: organisations, people, affiliations, interactions, consent.

The data lives in the contacts service; every field here resolves through its NATS endpoints,
batched per request by DataLoaders.
"""
