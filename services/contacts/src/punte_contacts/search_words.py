"""The names organisations and people are searched by: their search keys are set, and the
vocabulary of those keys kept up to date, on every flush of a contacts session and by bulk
creation (`punte_platform.search`)."""

from punte_platform.search import SearchedName, SearchVocabulary
from sqlalchemy.orm import Session

from punte_contacts.organizations.models import Organization, search_word
from punte_contacts.people.models import Person

vocabulary = SearchVocabulary(
    search_word,
    {
        Organization: SearchedName(("legal_name", "short_name")),
        Person: SearchedName(("given_name", "family_name")),
    },
)


class ContactsSession(Session):
    """A contacts service session: its flushes keep the vocabulary of search keys."""


vocabulary.register(ContactsSession)
