"""The vocabulary of organisations' and people's search keys, kept up to date on every flush
of a contacts session (`punte_platform.search`)."""

from punte_platform.search import SearchVocabulary
from sqlalchemy.orm import Session

from punte_contacts.organizations.models import Organization, search_word
from punte_contacts.people.models import Person

vocabulary = SearchVocabulary(
    search_word,
    {Organization: "search_key", Person: "search_key"},
)


class ContactsSession(Session):
    """A contacts service session: its flushes keep the vocabulary of search keys."""


vocabulary.register(ContactsSession)
