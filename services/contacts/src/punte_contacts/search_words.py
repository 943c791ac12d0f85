"""The vocabulary of search keys: kept up to date on every flush of a contacts session, and
asked for the known words similar to a mistyped one (PostgreSQL and SQLite alike).

A word leaves the vocabulary when the last name holding it is deleted or renamed, so an
erased person's name leaves no trace here either."""

import math
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import and_, delete, event, exists, func, inspect, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstanceState, Session

from punte_contacts.organizations.models import Organization, SearchWord
from punte_contacts.people.models import Person

# Shorter words are matched as typed (trigrams say little about them).
MIN_WORD = 4
MAX_WORD = 100
# Trigram similarity of whole words: "culturla" ~ "culturala" is 0.58, "popsecu" ~ "popescu"
# 0.33 (pg_trgm's `%` threshold is 0.3); alternatives within SPREAD of the best are kept.
MIN_SIMILARITY = 0.3
SPREAD = 0.1
MAX_ALTERNATIVES = 3
# SQLite has no trigram index: the words compared there are those sharing the typed word's
# first letter, of a length that can reach MIN_SIMILARITY (`_lengths`), at most CANDIDATES of
# them, the nearest to it in alphabetical order (they share the longest prefixes), half on
# each side. Only a typo in the first letter, or a crowd of candidates, finds less than
# PostgreSQL, which compares every word.
CANDIDATES = 2000
# Scores are compared rounded: PostgreSQL's are float4, so 0.4 - SPREAD must equal 0.3 there
# and here.
DIGITS = 6
# Words written per INSERT (far under either backend's limit of bound parameters).
BATCH = 1000


class ContactsSession(Session):
    """A contacts service session: its flushes keep the vocabulary of search keys."""


def words_of(key: str) -> set[str]:
    """The words of a search key worth a vocabulary entry."""
    return {word for word in key.split() if MIN_WORD <= len(word) <= MAX_WORD}


def new_words(objects: Iterable[Any]) -> set[str]:
    """The words of the organisations and people among `objects` whose key is new or changed."""
    found: set[str] = set()
    for obj in objects:
        if not isinstance(obj, Organization | Person) or not obj.search_key:
            continue
        state = cast(InstanceState[Any], inspect(obj))
        if state.pending or state.attrs.search_key.history.has_changes():
            found |= words_of(obj.search_key)
    return found


def old_words(objects: Iterable[Any], deleted: Iterable[Any]) -> set[str]:
    """The words of the names among `deleted`, and the words `objects` had before a rename."""
    found: set[str] = set()
    for obj in deleted:
        if isinstance(obj, Organization | Person) and obj.search_key:
            found |= words_of(obj.search_key)
    for obj in objects:
        if isinstance(obj, Organization | Person):
            history = cast(InstanceState[Any], inspect(obj)).attrs.search_key.history
            for key in history.deleted or ():
                if key:
                    found |= words_of(key)
    return found


def held_words(objects: Iterable[Any], deleted: Iterable[Any]) -> set[str]:
    """The words of the names among `objects` (but not `deleted`) as they are stored next."""
    gone = {id(obj) for obj in deleted}
    found: set[str] = set()
    for obj in objects:
        if isinstance(obj, Organization | Person) and obj.search_key and id(obj) not in gone:
            found |= words_of(obj.search_key)
    return found


def _still_used(word: str) -> Any:
    """Some stored name holds `word` as a word (the LIKE lets the trigram index narrow)."""
    pattern = f"% {word} %"
    return [
        exists().where(
            and_(
                table.search_key.like(f"%{word}%"),
                (literal(" ") + table.search_key + literal(" ")).like(pattern),
            )
        )
        for table in (Organization, Person)
    ]


@event.listens_for(ContactsSession, "before_flush")
def _remember_words(session: Session, _context: Any, _instances: Any) -> None:
    """Add the words of names about to be written (every writer: service, merge, import,
    erasure), and note those that may have lost their last name."""
    written = [*session.new, *session.dirty]
    # A word a name written here still holds is in use: no need to look for another
    # (each look is a scan of the names on SQLite).
    gone = old_words(session.dirty, session.deleted) - held_words(written, session.deleted)
    session.info["search_words_gone"] = gone
    words = sorted(new_words(written))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # Sorted, so two writers take the same words' locks in the same order.
    for start in range(0, len(words), BATCH):
        rows = [{"word": word} for word in words[start : start + BATCH]]
        session.execute(dialect.insert(SearchWord).values(rows).on_conflict_do_nothing())


@event.listens_for(ContactsSession, "after_flush")
def _forget_words(session: Session, _context: Any) -> None:
    """Remove the noted words no stored name holds any more."""
    gone: set[str] = session.info.pop("search_words_gone", set())
    for word in sorted(gone):
        used = _still_used(word)
        session.execute(delete(SearchWord).where(SearchWord.word == word, ~used[0], ~used[1]))


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: padded with two spaces before and one after."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: set[str], b: set[str]) -> float:
    """pg_trgm's similarity of two words' trigram sets: shared over all distinct ones."""
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def alternatives(word: str, ranked: Sequence[tuple[str, float]]) -> list[str]:
    """The words to search for besides `word`, out of the known words most similar to it
    (best first, by score then word): none when `word` is among them, as it is no typo; else
    up to MAX_ALTERNATIVES of at least MIN_SIMILARITY within SPREAD of the best."""
    top = [(w, round(score, DIGITS)) for w, score in ranked[: MAX_ALTERNATIVES + 1]]
    if not top or any(w == word for w, _ in top):
        return []
    keep = round(max(MIN_SIMILARITY, top[0][1] - SPREAD), DIGITS)
    return [w for w, score in top[:MAX_ALTERNATIVES] if score >= keep]


async def add_words(session: AsyncSession, keys: Iterable[str]) -> None:
    """Add the words of search keys written without a flush (the import's bulk INSERTs of
    new records, which the flush hooks do not see)."""
    words = sorted(set().union(*(words_of(key) for key in keys)))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for start in range(0, len(words), BATCH):
        rows = [{"word": word} for word in words[start : start + BATCH]]
        await session.execute(dialect.insert(SearchWord).values(rows).on_conflict_do_nothing())


async def similar_words(session: AsyncSession, word: str) -> list[str]:
    """Known words most similar to `word`, best first; none when `word` is known itself
    (then it is no typo)."""
    if session.get_bind().dialect.name == "postgresql":
        return alternatives(word, await _ranked_by_pg_trgm(session, word))
    return alternatives(word, await _ranked_here(session, word))


async def _ranked_by_pg_trgm(session: AsyncSession, word: str) -> list[tuple[str, float]]:
    """The known words most similar to `word`, best first (the trigram index finds them)."""
    score = func.similarity(SearchWord.word, word)
    rows = await session.execute(
        select(SearchWord.word, score)
        .where(SearchWord.word.op("%")(word))
        .order_by(score.desc(), SearchWord.word)
        .limit(MAX_ALTERNATIVES + 1)
    )
    return [(w, float(s)) for w, s in rows]


def _lengths(length: int) -> tuple[int, int]:
    """The lengths of the words that may be MIN_SIMILARITY-similar to a word of `length`: a
    word has at most its length + 1 trigrams, and the similarity of two words is at most the
    ratio of their trigram counts."""
    # Rounded first: 0.3 * 10 is 3.0000000000000004 in floating point.
    shortest = math.ceil(round(MIN_SIMILARITY * (length + 1), DIGITS)) - 1
    longest = math.floor(round((length + 1) / MIN_SIMILARITY, DIGITS)) - 1
    return max(shortest, MIN_WORD), min(longest, MAX_WORD)


async def _ranked_here(session: AsyncSession, word: str) -> list[tuple[str, float]]:
    """The candidate words (see CANDIDATES) of at least MIN_SIMILARITY to `word`, best first,
    scored here as pg_trgm scores."""
    first = word[0]
    beyond_first = chr(ord(first) + 1)
    length = func.length(SearchWord.word).between(*_lengths(len(word)))
    # Two ranges of the primary key, read from `word` outwards.
    after = (
        select(SearchWord.word)
        .where(SearchWord.word >= word, SearchWord.word < beyond_first, length)
        .order_by(SearchWord.word)
        .limit(CANDIDATES // 2)
    )
    before = (
        select(SearchWord.word)
        .where(SearchWord.word >= first, SearchWord.word < word, length)
        .order_by(SearchWord.word.desc())
        .limit(CANDIDATES // 2)
    )
    both = union_all(after.subquery().select(), before.subquery().select())
    typed = trigrams(word)
    scored = []
    for candidate in await session.scalars(both):
        score = similarity(typed, trigrams(candidate))
        if score >= MIN_SIMILARITY:
            scored.append((candidate, score))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored
