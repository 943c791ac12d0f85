"""Typo-tolerant name search, for any aggregate with a folded name key (`search_key`).

A service adds a vocabulary table to its metadata (`add_search_word_table`) and configures a
`SearchVocabulary` with the models whose keys feed it and the names each key folds;
registered on the service's session class, its flush hooks set the keys and keep the
vocabulary current (a word leaves it when the last name holding it is deleted or renamed,
so an erased name leaves no trace there either). A
repository then builds a text's match tiers (`text_tiers`) and runs them (`tiered_search`):
a name prefix or exact identifiers, then names holding every word, then names holding, for
every word, it or a known word similar to it (typos). PostgreSQL scores words with pg_trgm;
SQLite scores them here with the same formula."""

import json
import math
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from punte_contracts.fields import romanian
from sqlalchemy import Column as SAColumn
from sqlalchemy import (
    ColumnElement,
    Index,
    MetaData,
    Select,
    String,
    Table,
    and_,
    delete,
    event,
    exists,
    false,
    func,
    inspect,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstanceState, Session

from punte_platform.paging import SortKey

# Shorter words are matched as typed (trigrams say little about them).
MIN_WORD = 4
MAX_WORD = 100
# Texts shorter than this get no typo tier.
MIN_FUZZY_LENGTH = 4
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
# Under this many matches (the planner's estimate), the trigram index finds them all and a
# sort orders them; over it, reading the name index in order fills a page sooner.
FEW_MATCHES = 2000


def search_key(*parts: str | None) -> str:
    """Lowercase, no diacritics (ă â î ș ț → a a i s t, and any other mark), single spaces.

    "Timișoara", "Timişoara" and "TIMISOARA" share the key "timisoara".
    """
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", romanian(text).casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = "".join(c if c.isalnum() else " " for c in stripped)
    return " ".join(cleaned.split())


def add_search_word_table(metadata: MetaData, name: str = "search_word") -> Table:
    """Declare the vocabulary table on a service's metadata (its migrations create it): one
    word per row, trigram-indexed on PostgreSQL, read by primary-key range on SQLite."""
    table = Table(name, metadata, SAColumn("word", String(MAX_WORD), primary_key=True))
    Index(
        f"ix_{name}_word_trgm",
        table.c.word,
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )
    return table


def words_of(key: str) -> set[str]:
    """The words of a search key worth a vocabulary entry."""
    return {word for word in key.split() if MIN_WORD <= len(word) <= MAX_WORD}


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


def _lengths(length: int) -> tuple[int, int]:
    """The lengths of the words that may be MIN_SIMILARITY-similar to a word of `length`: a
    word has at most its length + 1 trigrams, and the similarity of two words is at most the
    ratio of their trigram counts."""
    # Rounded first: 0.3 * 10 is 3.0000000000000004 in floating point.
    shortest = math.ceil(round(MIN_SIMILARITY * (length + 1), DIGITS)) - 1
    longest = math.floor(round((length + 1) / MIN_SIMILARITY, DIGITS)) - 1
    return max(shortest, MIN_WORD), min(longest, MAX_WORD)


def is_postgresql(session: AsyncSession | Session) -> bool:
    """Whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class SearchedName:
    """The name attributes a model's search key folds, in order, and the key's attribute."""

    names: tuple[str, ...]
    key: str = "search_key"

    def of(self, values: Callable[[str], str | None]) -> str:
        """The key of the names `values` gives by attribute name."""
        return search_key(*(values(name) for name in self.names))


class SearchVocabulary:
    """The vocabulary of the search keys of `sources` (model → its searched name).

    The key is set here and nowhere else: on every flush for the sources written through the
    ORM whose names are new or changed, and by `add_rows` for rows written without one."""

    def __init__(self, table: Table, sources: Mapping[type[Any], SearchedName]) -> None:
        self.table = table
        self.names = dict(sources)
        self.sources = {model: name.key for model, name in sources.items()}
        self._types = tuple(self.sources)
        self._gone_key = f"search_words_gone:{table.name}"

    def set_keys(self, objects: Iterable[Any]) -> None:
        """Set the key of the sources among `objects` that are new or had a name changed."""
        for obj in objects:
            if not self._is_source(obj):
                continue
            name = self.names[type(obj)]
            state = cast(InstanceState[Any], inspect(obj))
            if state.pending or any(state.attrs[n].history.has_changes() for n in name.names):
                setattr(obj, name.key, name.of(partial(getattr, obj)))

    def _key(self, obj: Any) -> str | None:
        return cast(str | None, getattr(obj, self.sources[type(obj)]))

    def _is_source(self, obj: Any) -> bool:
        return type(obj) in self.sources

    def new_words(self, objects: Iterable[Any]) -> set[str]:
        """The words of the sources among `objects` whose key is new or changed."""
        found: set[str] = set()
        for obj in objects:
            if not self._is_source(obj) or not (key := self._key(obj)):
                continue
            state = cast(InstanceState[Any], inspect(obj))
            if state.pending or state.attrs[self.sources[type(obj)]].history.has_changes():
                found |= words_of(key)
        return found

    def old_words(self, objects: Iterable[Any], deleted: Iterable[Any]) -> set[str]:
        """The words of the keys among `deleted`, and the words `objects` had before a
        rename."""
        found: set[str] = set()
        for obj in deleted:
            if self._is_source(obj) and (key := self._key(obj)):
                found |= words_of(key)
        for obj in objects:
            if self._is_source(obj):
                state = cast(InstanceState[Any], inspect(obj))
                for old in state.attrs[self.sources[type(obj)]].history.deleted or ():
                    if old:
                        found |= words_of(old)
        return found

    def held_words(self, objects: Iterable[Any], deleted: Iterable[Any]) -> set[str]:
        """The words of the keys among `objects` (but not `deleted`) as they are stored
        next."""
        gone = {id(obj) for obj in deleted}
        found: set[str] = set()
        for obj in objects:
            if self._is_source(obj) and (key := self._key(obj)) and id(obj) not in gone:
                found |= words_of(key)
        return found

    def _still_used(self, word: str) -> list[ColumnElement[bool]]:
        """Some stored key holds `word` as a word (the LIKE lets the trigram index narrow)."""
        pattern = f"% {word} %"
        used: list[ColumnElement[bool]] = []
        for model, attribute in self.sources.items():
            column = getattr(model, attribute)
            used.append(
                exists().where(
                    and_(
                        column.like(f"%{word}%"),
                        (literal(" ") + column + literal(" ")).like(pattern),
                    )
                )
            )
        return used

    def _insert(self, session: AsyncSession | Session, words: list[str]) -> list[Any]:
        dialect = postgresql if is_postgresql(session) else sqlite
        return [
            dialect.insert(self.table)
            .values([{"word": word} for word in words[start : start + BATCH]])
            .on_conflict_do_nothing()
            for start in range(0, len(words), BATCH)
        ]

    def register(self, session_class: type[Session]) -> None:
        """Keep the vocabulary current on every flush of `session_class`'s sessions (every
        writer: service, merge, import, erasure)."""
        event.listen(session_class, "before_flush", self._remember_words)
        event.listen(session_class, "after_flush", self._forget_words)

    def _remember_words(self, session: Session, _context: Any, _instances: Any) -> None:
        """Add the words of keys about to be written, and note those that may have lost
        their last key."""
        written = [*session.new, *session.dirty]
        self.set_keys(written)
        # A word a key written here still holds is in use: no need to look for another
        # (each look is a scan of the keys on SQLite).
        gone = self.old_words(session.dirty, session.deleted) - self.held_words(
            written, session.deleted
        )
        session.info[self._gone_key] = gone
        # Sorted, so two writers take the same words' locks in the same order.
        for statement in self._insert(session, sorted(self.new_words(written))):
            session.execute(statement)

    def _forget_words(self, session: Session, _context: Any) -> None:
        """Remove the noted words no stored key holds any more."""
        gone: set[str] = session.info.pop(self._gone_key, set())
        for word in sorted(gone):
            unused = [not_(used) for used in self._still_used(word)]
            session.execute(delete(self.table).where(self.table.c.word == word, *unused))

    async def add_rows(
        self, session: AsyncSession, model: type[Any], rows: Iterable[dict[str, Any]]
    ) -> None:
        """Set the key of rows about to be written without a flush (bulk INSERTs, which the
        flush hooks do not see) and add their words."""
        name = self.names[model]
        keys = []
        for row in rows:
            row[name.key] = name.of(row.get)
            keys.append(row[name.key])
        words = sorted(set().union(*(words_of(key) for key in keys)))
        for statement in self._insert(session, words):
            await session.execute(statement)

    async def similar_words(self, session: AsyncSession, word: str) -> list[str]:
        """Known words most similar to `word`, best first; none when `word` is known itself
        (then it is no typo)."""
        if is_postgresql(session):
            return alternatives(word, await self._ranked_by_pg_trgm(session, word))
        return alternatives(word, await self._ranked_here(session, word))

    async def _ranked_by_pg_trgm(self, session: AsyncSession, word: str) -> list[tuple[str, float]]:
        """The known words most similar to `word`, best first (the trigram index finds
        them)."""
        known = self.table.c.word
        score = func.similarity(known, word)
        rows = await session.execute(
            select(known, score)
            .where(known.op("%")(word))
            .order_by(score.desc(), known)
            .limit(MAX_ALTERNATIVES + 1)
        )
        return [(w, float(s)) for w, s in rows]

    async def _ranked_here(self, session: AsyncSession, word: str) -> list[tuple[str, float]]:
        """The candidate words (see CANDIDATES) of at least MIN_SIMILARITY to `word`, best
        first, scored here as pg_trgm scores."""
        known = self.table.c.word
        first = word[0]
        beyond_first = chr(ord(first) + 1)
        length = func.length(known).between(*_lengths(len(word)))
        # Two ranges of the primary key, read from `word` outwards.
        after = (
            select(known)
            .where(known >= word, known < beyond_first, length)
            .order_by(known)
            .limit(CANDIDATES // 2)
        )
        before = (
            select(known)
            .where(known >= first, known < word, length)
            .order_by(known.desc())
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


def name_prefix(key_column: Any, key: str) -> ColumnElement[bool]:
    """The key starts with `key`. Keys are ASCII letters, digits and spaces, so the range
    [key, key with its last character + 1) holds exactly the prefixed keys in byte order
    (SQLite's BINARY, PostgreSQL's C and C.UTF-8 collations); it lets the (key, id) B-tree
    serve the prefix, which LIKE does not on SQLite nor outside PostgreSQL's "C"."""
    last = key[-1]
    if last in "zZ9" or not last.isascii() or not last.isalnum():
        return cast(ColumnElement[bool], key_column.like(f"{key}%"))
    # No LIKE beside the range: the planner would multiply the two selectivities, think
    # the prefix rare and sort every match instead of reading the index in order.
    return and_(key_column >= key, key_column < key[:-1] + chr(ord(last) + 1))


# Builds the condition of the typo tier (None: no word has a similar one), when needed.
FuzzyTier = Callable[[], Awaitable[ColumnElement[bool] | None]]


@dataclass(frozen=True)
class Tiers:
    """A search text's match conditions, best first (a row's rank is the first it meets):
    0 exact identifiers or a name prefix, 1 names holding every word of the text (any order,
    anywhere), 2 (built on demand) names holding, for every word, it or a known word similar
    to it (typos). No tiers without a text: everything matches, rank 0."""

    eager: list[ColumnElement[bool]]
    fuzzy: FuzzyTier | None = None

    async def all(self) -> list[ColumnElement[bool]]:
        """Every tier, the typo one built."""
        built = await self.fuzzy() if self.fuzzy is not None else None
        return [*self.eager, built] if built is not None else list(self.eager)

    async def matched(self) -> list[ColumnElement[bool]]:
        """The WHERE condition "matches any tier" (none without a text)."""
        tiers = await self.all()
        return [or_(*tiers)] if tiers else []


def text_tiers(
    vocabulary: SearchVocabulary,
    session: AsyncSession,
    key_column: Any,
    exact: Sequence[ColumnElement[bool]],
    key: str,
) -> Tiers:
    """The match tiers (see `Tiers`) of the search key `key` on `key_column`, whose words
    `vocabulary` holds; `exact` are conditions on identifiers the text may be."""
    if not key and not exact:
        return Tiers([])
    words = key.split()
    eager = [
        or_(name_prefix(key_column, key), *exact) if key else or_(*exact),
        and_(*(key_column.like(f"%{word}%") for word in words)) if words else false(),
    ]
    if len(key) < MIN_FUZZY_LENGTH:
        return Tiers(eager)

    async def fuzzy() -> ColumnElement[bool] | None:
        conditions = []
        corrected = False
        for word in words:
            short = len(word) < MIN_WORD
            similar = [] if short else await vocabulary.similar_words(session, word)
            corrected = corrected or bool(similar)
            conditions.append(or_(*(key_column.like(f"%{w}%") for w in [word, *similar])))
        return and_(*conditions) if corrected else None

    return Tiers(eager, fuzzy)


async def tiered_search(
    session: AsyncSession,
    entity: Any,
    *,
    key_column: Any,
    id_column: Any,
    conditions: Sequence[ColumnElement[bool]],
    tiers: Tiers,
    order_key: SortKey | None,
    after: Sequence[Any] | None,
    limit: int,
) -> list[tuple[Any, int]]:
    """Rows of `entity` meeting `conditions` and any of `tiers`, with their rank, after the
    row whose sort key is `after`: in `order_key` (rank 0 for all), or by relevance when
    None, whose sort key is (rank, key, id).

    In relevance order each tier is its own query, ordered by (key, id) and limited, asked
    only while the page is not full: a query the (key, id) B-tree or the trigram index
    serves, instead of ranking every match to keep the first few."""
    by_name = SortKey([key_column, id_column])
    if order_key is not None or not tiers.eager:
        matched = await tiers.matched()
        key = order_key
        if key is None:  # no text: everything at rank 0, by name
            key = by_name
            after = after[1:] if after is not None else None
        query = select(entity).where(*conditions, *matched)
        if after is not None:
            query = query.where(key.after(after))
        result = await session.scalars(query.order_by(*key.order_by()).limit(limit))
        return [(row, 0) for row in result]
    rows: list[tuple[Any, int]] = []
    start = int(after[0]) if after is not None else 0
    ranked = list(tiers.eager)
    for rank in range(start, len(tiers.eager) + 1):
        if rank == len(ranked):
            # The typo tier costs vocabulary lookups: only when the better ones fall short.
            fuzzy = await tiers.fuzzy() if tiers.fuzzy is not None else None
            if fuzzy is None:
                break
            ranked.append(fuzzy)
        filters = list(conditions)
        if after is not None and rank == start:
            filters.append(by_name.after(after[1:]))
        match = and_(ranked[rank], *(not_(tier) for tier in ranked[:rank]))
        wanted = limit - len(rows)
        if rank == 0 or not is_postgresql(session):
            # A name prefix is a range of the name index; SQLite has no other index to use.
            query = select(entity).where(*filters, match).order_by(*by_name.order_by())
            found = list(await session.scalars(query.limit(wanted)))
        else:
            where = [*filters, match]
            found = await _words_anywhere(session, entity, key_column, id_column, where, wanted)
        rows += [(row, rank) for row in found]
        if len(rows) >= limit:
            break
    return rows


async def _words_anywhere(
    session: AsyncSession,
    entity: Any,
    key_column: Any,
    id_column: Any,
    where: Sequence[ColumnElement[bool]],
    limit: int,
) -> list[Any]:
    """The first `limit` rows meeting `where` (words anywhere in the name), by (key, id), on
    PostgreSQL.

    Common matches (every "timisoara") fill a page soonest by reading the name index in
    order. Rare ones, or ones bunched late in name order (a family name, in keys that start
    with the given name), would have that read scan most of the table, where the trigram
    index finds them all at once. The planner estimates the match count well but plans the
    ordered read whenever the LIMIT is small, as it assumes matches spread evenly; so its
    estimate is asked first and the plan chosen here."""
    if await _estimated_rows(session, select(id_column).where(*where)) >= FEW_MATCHES:
        query = select(entity).where(*where).order_by(key_column, id_column).limit(limit)
        return list(await session.scalars(query))
    # MATERIALIZED: plan the match alone, through the trigram index; sort only what it finds.
    found = (
        select(id_column.label("id"), key_column.label("key"))
        .where(*where)
        .cte("few_matches")
        .prefix_with("MATERIALIZED")
    )
    first = select(found.c.id, found.c.key).order_by(found.c.key, found.c.id).limit(limit)
    chosen = first.subquery("chosen")
    query = (
        select(entity).join(chosen, id_column == chosen.c.id).order_by(chosen.c.key, chosen.c.id)
    )
    return list(await session.scalars(query))


async def _estimated_rows(session: AsyncSession, query: Select[Any]) -> float:
    """The planner's estimate of the rows `query` returns (EXPLAIN without running it)."""
    try:
        # Literal values (quoted by SQLAlchemy): EXPLAIN takes no parameters through here.
        sql = query.compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
    except CompileError:
        return math.inf  # a value with no literal form: read in name order
    connection = await session.connection()
    plan: Any = (await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])
