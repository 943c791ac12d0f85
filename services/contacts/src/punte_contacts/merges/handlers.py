"""Request endpoints of merges: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_platform.endpoints import acts
from punte_platform.messaging.rpc import EndpointRegistry

from punte_contacts.merges import service

registry = EndpointRegistry()
registry.handles(c.MergeOrganizations)(acts(service.merge_organizations))
registry.handles(c.MergePeople)(acts(service.merge_people))
registry.handles(c.UndoMerge)(acts(service.undo))
