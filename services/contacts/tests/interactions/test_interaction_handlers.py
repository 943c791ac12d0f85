"""Interactions over NATS: logging with participants, refusals, and the paged timeline."""

from datetime import UTC, date, datetime, timedelta

from punte_contacts.interactions.models import Interaction, InteractionPerson
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from ..conftest import WRITER, call, call_error, call_raw_error, count_rows, outbox_types


async def setup_parties(runtime: ServiceRuntime) -> tuple[c.Person, c.Organization]:
    person = await call(runtime, c.CreatePerson(given_name="Ioana", family_name="Bălan"))
    org = await call(
        runtime,
        c.CreateOrganization(kind=c.OrganizationKind.MEDIA_OUTLET, legal_name="TVR Timișoara"),
    )
    return person, org


async def test_log_records_participants_author_follow_up_and_message(
    contacts: ServiceRuntime,
) -> None:
    person, org = await setup_parties(contacts)
    event_id = new_id()
    logged = await call(
        contacts,
        c.LogInteraction(
            kind=c.InteractionKind.MEETING,
            occurred_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
            subject="Conferinţă de presă",
            person_ids=[person.id, person.id],
            organization_ids=[org.id],
            event_ids=[event_id],
            follow_up=c.FollowUp(due_date=date(2026, 12, 1)),
        ),
    )
    assert logged.subject == "Conferință de presă"
    assert logged.person_ids == [person.id]
    assert logged.organization_ids == [org.id]
    assert logged.event_ids == [event_id]
    assert logged.author == WRITER.actor
    assert logged.follow_up == c.FollowUp(due_date=date(2026, 12, 1), done=False)
    assert (await outbox_types(contacts))[-1] == c.InteractionLogged.message_type()


async def test_unknown_participants_or_none_at_all_write_nothing(contacts: ServiceRuntime) -> None:
    person, _org = await setup_parties(contacts)
    messages = len(await outbox_types(contacts))
    unknown = await call_error(
        contacts,
        c.LogInteraction(
            kind=c.InteractionKind.CALL,
            occurred_at=datetime.now(UTC),
            subject="Apel",
            person_ids=[person.id],
            organization_ids=[new_id()],
        ),
    )
    assert unknown.code is ErrorCode.NOT_FOUND
    nobody = await call_raw_error(
        contacts,
        c.LogInteraction.request_subject,
        {"kind": "call", "occurred_at": "2026-11-20T10:00:00Z", "subject": "Apel"},
    )
    assert nobody.code is ErrorCode.VALIDATION_FAILED
    naive = await call_raw_error(
        contacts,
        c.LogInteraction.request_subject,
        {
            "kind": "call",
            "occurred_at": "2026-11-20T10:00:00",
            "subject": "Apel",
            "person_ids": [str(person.id)],
        },
    )
    assert [f.path for f in naive.fields] == [["occurred_at"]]
    assert await count_rows(contacts, Interaction) == 0
    assert await count_rows(contacts, InteractionPerson) == 0
    assert len(await outbox_types(contacts)) == messages


async def test_the_timeline_is_newest_first_in_pages(contacts: ServiceRuntime) -> None:
    person, org = await setup_parties(contacts)
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    for n in range(7):
        await call(
            contacts,
            c.LogInteraction(
                kind=c.InteractionKind.NOTE,
                occurred_at=start + timedelta(days=n // 2),  # pairs share a time
                subject=f"Notă {n}",
                organization_ids=[org.id],
                person_ids=[person.id] if n % 2 else [],
            ),
        )
    subjects: list[str] = []
    after = None
    while True:
        page = await call(
            contacts, c.ListInteractionsFor(organization_id=org.id, first=3, after=after)
        )
        subjects += [i.subject for i in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert subjects == [f"Notă {n}" for n in (6, 5, 4, 3, 2, 1, 0)]
    personal = await call(contacts, c.ListInteractionsFor(person_id=person.id))
    assert [i.subject for i in personal.items] == ["Notă 5", "Notă 3", "Notă 1"]
    missing = await call_error(contacts, c.ListInteractionsFor(person_id=new_id()))
    assert missing.code is ErrorCode.NOT_FOUND


async def test_a_follow_up_is_completed_once(contacts: ServiceRuntime) -> None:
    person, _org = await setup_parties(contacts)
    assignee = new_id()

    async def log(follow_up: c.FollowUp | None) -> c.Interaction:
        body = c.LogInteraction(
            kind=c.InteractionKind.CALL,
            occurred_at=datetime.now(UTC),
            subject="Apel",
            person_ids=[person.id],
            follow_up=follow_up,
        )
        return await call(contacts, body)

    with_task = await log(c.FollowUp(assignee_id=assignee, due_date=date(2026, 12, 1)))
    without = await log(None)
    done = await call(contacts, c.CompleteFollowUp(id=with_task.id))
    assert done.follow_up == c.FollowUp(assignee_id=assignee, due_date=date(2026, 12, 1), done=True)
    again = await call(contacts, c.CompleteFollowUp(id=with_task.id))
    assert again == done
    types = await outbox_types(contacts)
    assert types.count(c.FollowUpCompleted.message_type()) == 1
    none = await call_error(contacts, c.CompleteFollowUp(id=without.id))
    assert none.code is ErrorCode.CONFLICT
    missing = await call_error(contacts, c.CompleteFollowUp(id=new_id()))
    assert missing.code is ErrorCode.NOT_FOUND
