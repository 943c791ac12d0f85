"""Demo data for a development start: Timișoara organisations, people, affiliations, interactions.

The CUIs are made up (valid check digits from `stdnum.ro.cui.calc_check_digit`), not the
real bodies' codes; names and addresses are realistic. Loaded only into an empty database.
"""

import logging
import random
from datetime import UTC, date, datetime, timedelta

from punte_contracts import contacts as c
from punte_platform.context import CallContext, call_context
from punte_platform.messaging.outbox import Outbox
from punte_platform.runtime import ServiceRuntime
from punte_platform.settings import Environment
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.ro import cui as ro_cui

from punte_contacts.interactions import service as interactions
from punte_contacts.organizations import repository as organization_rows
from punte_contacts.organizations import service as organizations
from punte_contacts.people import service as people

log = logging.getLogger(__name__)

DEMO_ACTOR = "system:contacts-demo"
K = c.OrganizationKind

# (kind, legal name, short name, street, postal code, tags, caen code or None)
_REAL_BODIES: list[tuple[K, str, str | None, str, str, list[str], str | None]] = [
    (
        K.CHAMBER,
        "Camera de Comerț, Industrie și Agricultură Timiș",
        "CCIA Timiș",
        "Piața Victoriei nr. 3",
        "300030",
        ["parteneri-cheie", "mediu-de-afaceri"],
        None,
    ),
    (
        K.EDUCATION_RESEARCH,
        "Universitatea de Vest din Timișoara",
        "UVT",
        "Bulevardul Vasile Pârvan nr. 4",
        "300223",
        ["universitate", "parteneri-cheie"],
        "8542",
    ),
    (
        K.EDUCATION_RESEARCH,
        "Universitatea Politehnica Timișoara",
        "UPT",
        "Piața Victoriei nr. 2",
        "300006",
        ["universitate", "parteneri-cheie"],
        "8542",
    ),
    (
        K.EDUCATION_RESEARCH,
        "Universitatea de Medicină și Farmacie „Victor Babeș” din Timișoara",
        "UMFT",
        "Piața Eftimie Murgu nr. 2",
        "300041",
        ["universitate"],
        "8542",
    ),
    (
        K.ASSOCIATION,
        "Asociația de Dezvoltare Intercomunitară Polul de Creștere Timișoara",
        "ADI Polul de Creștere Timișoara",
        "Bulevardul C.D. Loga nr. 1",
        "300030",
        ["zona-metropolitana"],
        None,
    ),
    (
        K.PUBLIC_AUTHORITY,
        "Consiliul Județean Timiș",
        "CJ Timiș",
        "Bulevardul Revoluției din 1989 nr. 17",
        "300034",
        ["autoritati"],
        "8411",
    ),
    (
        K.PUBLIC_AUTHORITY,
        "Instituția Prefectului - Județul Timiș",
        "Prefectura Timiș",
        "Bulevardul Revoluției din 1989 nr. 17",
        "300034",
        ["autoritati"],
        "8411",
    ),
    (
        K.MEDIA_OUTLET,
        "Societatea Română de Radiodifuziune - Radio Timișoara",
        "Radio Timișoara",
        "Strada Pestalozzi nr. 14",
        "300115",
        ["presa"],
        "6010",
    ),
    (
        K.MEDIA_OUTLET,
        "Societatea Română de Televiziune - TVR Timișoara",
        "TVR Timișoara",
        "Strada Dumbrava Roșie nr. 2",
        "300264",
        ["presa"],
        "6020",
    ),
    (
        K.ASSOCIATION,
        "Asociația Timișoara Capitală Europeană a Culturii",
        "TM2023",
        "Strada Paris nr. 2A",
        "300003",
        ["cultura"],
        "9499",
    ),
    (
        K.ASSOCIATION,
        "Asociația Oamenilor de Afaceri din Banat",
        "AOAB",
        "Strada Gheorghe Lazăr nr. 9",
        "300081",
        ["mediu-de-afaceri"],
        "9411",
    ),
    (
        K.INTERNATIONAL_BODY,
        "Eurocities",
        None,
        "Square de Meeûs 1",
        "1000",
        ["retele-internationale"],
        None,
    ),
]

_COMPANY_STEMS = [
    ("Banat Soft", "6201"),
    ("Bega Logistic", "4941"),
    ("Timiș Construct", "4120"),
    ("Fabrica de Bere Timișoreana", "1105"),
    ("Continental Automotive Timișoara", "2931"),
    ("Flavia Print", "1812"),
    ("Iosefin Design", "7410"),
    ("Fabric Tech", "6202"),
    ("Elisabetin Consulting", "7022"),
    ("Mehala Metal", "2511"),
    ("Ronaț Transport", "4941"),
    ("Freidorf Energy", "3511"),
    ("Ghiroda Agro", "0111"),
    ("Dumbrăvița Residence", "4110"),
    ("Giroc Panificație", "1071"),
    ("Mureșul Textile", "1413"),
    ("Cetate Media", "5814"),
    ("Piața Unirii Cafe", "5630"),
    ("Lugoj Mobila", "3109"),
    ("Șagu Solar", "3511"),
    ("Țiebel Electronics", "2611"),
    ("Sânandrei Lactate", "1051"),
    ("Băile Buziaș Turism", "5510"),
    ("Fratelia Auto", "4511"),
    ("Calea Aradului Clinic", "8622"),
    ("Timișoara Smart City", "6209"),
]
_STREETS = [
    "Bulevardul Revoluției din 1989",
    "Strada Paris",
    "Calea Aradului",
    "Calea Șagului",
    "Strada Mărășești",
    "Bulevardul Take Ionescu",
    "Calea Buziașului",
    "Strada Alba Iulia",
    "Bulevardul Cetății",
    "Strada Gheorghe Doja",
    "Calea Torontalului",
    "Strada Ștefan cel Mare",
]
_ASSOCIATIONS = [
    "Asociația Tinerilor Antreprenori Timiș",
    "Fundația Comunitară Timișoara",
    "Asociația Pro Iosefin",
    "Clubul Sportiv Politehnica Timișoara",
]
_GIVEN = [
    "Andrei",
    "Ioana",
    "Mihai",
    "Elena",
    "Radu",
    "Ana-Maria",
    "Ștefan",
    "Cristina",
    "Bogdan",
    "Oana",
    "Sorin",
    "Adriana",
    "Tudor",
    "Mădălina",
    "Cătălin",
    "Roxana",
    "Dănuț",
    "Irina",
]
_FAMILY = [
    "Popescu",
    "Ionescu",
    "Stanciu",
    "Mureșan",
    "Țurcan",
    "Bălan",
    "Iordache",
    "Dumitrescu",
    "Crăciun",
    "Șerban",
    "Lăzărescu",
    "Pîrvu",
    "Cîmpeanu",
    "Vlad",
    "Gheorghiu",
    "Toma",
]
_ROLES = [
    "Director general",
    "Președinte",
    "Manager de proiect",
    "Purtător de cuvânt",
    "Director economic",
    "Redactor-șef",
    "Prorector",
    "Consilier",
]
_SUBJECTS = [
    (c.InteractionKind.MEETING, "Întâlnire privind parteneriatul pentru Zilele Timișoarei"),
    (c.InteractionKind.CALL, "Discuție telefonică despre târgul de joburi"),
    (c.InteractionKind.EMAIL, "Invitație la forumul mediului de afaceri"),
    (c.InteractionKind.VISIT, "Vizită la sediul partenerului"),
    (c.InteractionKind.NOTE, "Notă: interes pentru proiectul de digitalizare"),
    (c.InteractionKind.EVENT_ATTENDANCE, "Participare la conferința de presă lunară"),
]


def demo_cui(n: int) -> str:
    """A made-up CUI with a valid check digit."""
    base = str(14_000_000 + n * 7919)[:8]
    return base + ro_cui.calc_check_digit(base)


def organization_inputs() -> list[c.CreateOrganization]:
    """About forty organisations of Timișoara."""
    rng = random.Random(2026)
    result: list[c.CreateOrganization] = []
    for n, (kind, name, short, street, postal, tags, caen) in enumerate(_REAL_BODIES):
        foreign = kind is K.INTERNATIONAL_BODY
        result.append(
            c.CreateOrganization(
                kind=kind,
                legal_name=name,
                short_name=short,
                cui=None if foreign else demo_cui(n),
                caen_codes=[c.CaenCode(code=caen, revision="rev2")] if caen else [],
                address=c.Address(
                    street=street,
                    locality="Bruxelles" if foreign else "Timișoara",
                    county=None if foreign else "Timiș",
                    postal_code=postal,
                    country="BE" if foreign else "RO",
                ),
                tags=tags,
                phones=[] if foreign else [f"+40256{rng.randint(100000, 999999)}"],
                source=c.OrganizationSource.MANUAL,
            )
        )
    for n, (stem, caen) in enumerate(_COMPANY_STEMS, start=len(result)):
        slug = "".join(ch for ch in stem.lower() if ch.isascii() and ch.isalnum())[:20]
        result.append(
            c.CreateOrganization(
                kind=K.COMPANY,
                legal_name=f"{stem} S.R.L.",
                short_name=stem,
                cui=demo_cui(n),
                trade_register=f"J35/{rng.randint(100, 4999)}/{rng.randint(1995, 2023)}",
                caen_codes=[c.CaenCode(code=caen, revision="rev2")],
                address=c.Address(
                    street=f"{rng.choice(_STREETS)} nr. {rng.randint(1, 120)}",
                    locality="Timișoara",
                    county="Timiș",
                    postal_code=f"300{rng.randint(0, 999):03d}",
                ),
                website=f"https://www.{slug}.ro",
                emails=[f"office@{slug}.ro"],
                phones=[f"+40256{rng.randint(100000, 999999)}"],
                size_band=rng.choice(list(c.SizeBand)),
                tags=rng.sample(["mediu-de-afaceri", "it", "industrie", "export", "start-up"], 2),
                source=rng.choice([c.OrganizationSource.MANUAL, c.OrganizationSource.CHAMBER]),
            )
        )
    for n, name in enumerate(_ASSOCIATIONS, start=len(result)):
        result.append(
            c.CreateOrganization(
                kind=K.ASSOCIATION,
                legal_name=name,
                cui=demo_cui(n),
                address=c.Address(
                    street=f"{rng.choice(_STREETS)} nr. {rng.randint(1, 60)}",
                    locality="Timișoara",
                    county="Timiș",
                    postal_code=f"300{rng.randint(0, 999):03d}",
                ),
                tags=["societate-civila"],
            )
        )
    return result


async def seed(session: AsyncSession, outbox: Outbox) -> int:
    """Create the demo records (with their messages); returns how many organisations."""
    rng = random.Random(1989)
    orgs = [await organizations.create(session, outbox, body) for body in organization_inputs()]
    persons: list[tuple[c.Person, c.Organization]] = []
    for n in range(36):
        given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
        org = orgs[n % len(orgs)]
        login = f"{given}.{family}".lower()
        login = "".join(ch for ch in login if ch.isascii() and (ch.isalnum() or ch == "."))
        domain = (org.website or "https://www.example.ro").removeprefix("https://www.")
        person = await people.create(
            session,
            outbox,
            c.CreatePerson(
                honorific=rng.choice(["dl.", "dna.", None]),
                given_name=given,
                family_name=family,
                job_title=rng.choice(_ROLES),
                emails=[f"{login}{n}@{domain}"],
                phones=[f"+4072{rng.randint(1000000, 9999999)}"],
                tags=["presa"] if org.kind is K.MEDIA_OUTLET else [],
            ),
        )
        persons.append((person, org))
        await people.add_affiliation(
            session,
            outbox,
            c.AddAffiliation(
                person_id=person.id,
                organization_id=org.id,
                role=person.job_title,
                start_date=date(rng.randint(2010, 2024), rng.randint(1, 12), 1),
                is_primary=True,
            ),
        )
    start = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    for n, (person, org) in enumerate(persons):
        kind, subject = _SUBJECTS[n % len(_SUBJECTS)]
        await interactions.log(
            session,
            outbox,
            c.LogInteraction(
                kind=kind,
                occurred_at=start + timedelta(days=3 * n, hours=n % 7),
                subject=subject,
                summary=f"Discuție cu {person.given_name} {person.family_name} ({org.legal_name}).",
                person_ids=[person.id],
                organization_ids=[org.id],
                follow_up=c.FollowUp(due_date=date(2026, 12, 15)) if n % 4 == 0 else None,
            ),
            author=DEMO_ACTOR,
        )
    return len(orgs)


async def load_demo_data(runtime: ServiceRuntime) -> bool:
    """Load the demo data if the service holds no organisation yet; True if it did."""
    with call_context(CallContext(actor=DEMO_ACTOR)):
        async with runtime.uow.transaction() as session:
            if await organization_rows.count(session) > 0:
                return False
            loaded = await seed(session, runtime.outbox)
    log.info("loaded demo data: %d organisations", loaded)
    return True


async def load_demo_data_in_development(runtime: ServiceRuntime) -> None:
    """The `on_start` hook: demo data on the first start of a development instance."""
    if runtime.settings.environment is Environment.DEVELOPMENT:
        await load_demo_data(runtime)
